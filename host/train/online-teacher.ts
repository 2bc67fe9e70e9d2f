/**
 * An online teacher (`train --teacher FILE.esm`): an exported earshot model scores every
 * training example as the student sees it (after augmentation and SpecAugment), and its
 * probabilities at a temperature become the row's soft targets. Several files (`--teacher` given
 * more than once) teach as an equal-weight ensemble: the targets are the mean of the members'
 * tempered probabilities, so one small student can learn what independent runs agree on.
 * Unlike the soft-label caches (soft-targets.ts), which hold one label per clean clip, the
 * teacher here follows each augmented draw, which is what distillation needs on noisy, warped
 * audio.
 *
 * The teacher runs with the device's integer semantics on the host's fastest kernels
 * (host/infer/host-int-model.ts), in the batch workers when there are any, so it takes the
 * other core rather than the step's. Targets are a pure function of the batch, so runs stay
 * deterministic and resumable.
 */
import { readFileSync } from "node:fs";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import type { FrontEndConfig } from "../../shared/features/config";
import { type InputNorm, readInputNorm } from "../../shared/features/input-norm";
import { decodeModel } from "../../shared/model-format/decode";
import {
  outputScale,
  outputZeroPoint,
  softmaxOutput,
} from "../../shared/model-format/output-scale";
import { type HostIntModel, openHostIntModel } from "../infer/host-int-model";
import { TrainError } from "./errors";

export interface TeacherConfig {
  /** The teacher's exported model files (.esm): one, or the members of an ensemble. */
  models: string[];
  /** Weight of the soft-target loss; the hard loss keeps 1 - weight. */
  weight: number;
  /** Temperature of the teacher's probabilities and of the student's soft term. */
  temperature: number;
}

/** What the student's batches are: their window, classes, front end and normalization. */
export interface StudentInput {
  frames: number;
  coeffs: number;
  labels: readonly string[];
  frontEnd: FrontEndConfig;
  norm: InputNorm;
}

/** One exported model as a teacher: its integer runner, output decoding and normalization. */
class TeacherMember {
  readonly run: HostIntModel;
  private readonly softmax: boolean;
  private readonly scale: number;
  private readonly zeroPoint: number;
  readonly norm: InputNorm | null;

  constructor(
    readonly file: string,
    student: StudentInput,
  ) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new TrainError(
        `--teacher ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`,
      );
    }
    const fail = (why: string) => new TrainError(`--teacher ${file}: ${why}`);
    let model: ReturnType<typeof decodeModel>;
    try {
      model = decodeModel(Array.from(bytes));
    } catch (e) {
      throw fail(`not a valid earshot model: ${(e as Error).message}`);
    }
    if (model.labels.join(",") !== student.labels.join(","))
      throw fail(
        `its classes (${model.labels.join(", ")}) differ from the run's (${student.labels.join(", ")})`,
      );
    const [frames, coeffs] = model.tensors[model.input].shape;
    if (frames !== student.frames || coeffs !== student.coeffs)
      throw fail(
        `its input is ${frames} x ${coeffs} features, the run's ${student.frames} x ${student.coeffs}`,
      );
    let frontEnd: FrontEndConfig;
    try {
      frontEnd = frontEndFromKeyValues(model.frontEnd);
      this.norm = readInputNorm(model.meta, coeffs);
    } catch (e) {
      throw fail((e as Error).message);
    }
    for (const k of Object.keys(student.frontEnd) as (keyof FrontEndConfig)[]) {
      const a = frontEnd[k];
      const b = student.frontEnd[k];
      // Numbers as stored in the file (float32 key/values), so compared to a relative 1e-6.
      const same =
        typeof a === "number" && typeof b === "number"
          ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
          : a === b;
      if (!same) throw fail(`its front end's ${k} is ${a}, the run's ${b}`);
    }
    this.softmax = softmaxOutput(model);
    this.scale = outputScale(model);
    this.zeroPoint = outputZeroPoint(model);
    this.run = openHostIntModel(model);
  }

  /** Its probabilities at temperature 1 / `invT` for one raw window, written into `row`. */
  probabilities(window: Float64Array, invT: number, row: Float32Array): void {
    const scores = this.run.run(window);
    const classes = row.length;
    let sum = 0;
    if (this.softmax) {
      // softmax(z / T) is proportional to p^(1/T); Q15 zeros stay zero.
      for (let c = 0; c < classes; c++) {
        row[c] = Math.max(0, scores[c] - this.zeroPoint) ** invT;
        sum += row[c];
      }
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++)
        max = Math.max(max, (scores[c] - this.zeroPoint) * this.scale * invT);
      for (let c = 0; c < classes; c++) {
        row[c] = Math.exp((scores[c] - this.zeroPoint) * this.scale * invT - max);
        sum += row[c];
      }
    }
    if (!(sum > 0)) throw new TrainError(`--teacher ${this.file}: scores sum to ${sum}`);
    for (let c = 0; c < classes; c++) row[c] /= sum;
  }
}

export class OnlineTeacher {
  private readonly members: TeacherMember[];
  private readonly window: Float64Array;
  private readonly memberRow: Float32Array;

  constructor(
    readonly config: TeacherConfig,
    private readonly student: StudentInput,
  ) {
    if (config.models.length === 0) throw new TrainError("--teacher: no model file given");
    if (!(config.temperature > 0))
      throw new TrainError(`--teacher: temperature must be positive (got ${config.temperature})`);
    if (!(config.weight >= 0 && config.weight <= 1))
      throw new TrainError(`--teacher: weight must be in [0, 1] (got ${config.weight})`);
    this.members = config.models.map((file) => new TeacherMember(file, student));
    this.window = new Float64Array(student.frames * student.coeffs);
    this.memberRow = new Float32Array(student.labels.length);
  }

  /** Which host kernels run the teacher. */
  get path(): HostIntModel["path"] {
    return this.members[0].run.path;
  }

  /**
   * Soft targets for `rows` examples of a batch (`x`: rows x frames x coeffs, normalized by the
   * student's norm), written into `out` (rows x classes): the members' mean probabilities.
   */
  targets(x: Float32Array, rows: number, out: Float32Array): void {
    const { frames, coeffs, norm: s, labels } = this.student;
    const size = frames * coeffs;
    const classes = labels.length;
    const w = this.window;
    const p = this.memberRow;
    const invT = 1 / this.config.temperature;
    const share = 1 / this.members.length;
    for (let r = 0; r < rows; r++) {
      const row = out.subarray(r * classes, (r + 1) * classes);
      row.fill(0);
      for (const m of this.members) {
        const t = m.norm;
        // Back to raw features, then into this member's own normalization.
        for (let f = 0; f < frames; f++)
          for (let c = 0; c < coeffs; c++) {
            const i = f * coeffs + c;
            const raw = x[r * size + i] * s.std[c] + s.mean[c];
            w[i] = t ? (raw - t.mean[c]) / t.std[c] : raw;
          }
        m.probabilities(w, invT, p);
        for (let c = 0; c < classes; c++) row[c] += share * p[c];
      }
    }
  }
}
