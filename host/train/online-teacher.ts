/**
 * An online teacher (`train --teacher FILE.esm`): an exported earshot model scores every
 * training example as the student sees it (after augmentation and SpecAugment), and its
 * probabilities at a temperature become the row's soft targets. Unlike the soft-label caches
 * (soft-targets.ts), which hold one label per clean clip, the teacher here follows each
 * augmented draw, which is what distillation needs on noisy, warped audio.
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
  /** The teacher's exported model file (.esm). */
  model: string;
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

export class OnlineTeacher {
  private readonly run: HostIntModel;
  private readonly softmax: boolean;
  private readonly scale: number;
  private readonly zeroPoint: number;
  private readonly norm: InputNorm | null;
  private readonly window: Float64Array;

  constructor(
    readonly config: TeacherConfig,
    private readonly student: StudentInput,
  ) {
    const file = config.model;
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
    if (!(config.temperature > 0))
      throw fail(`temperature must be positive (got ${config.temperature})`);
    if (!(config.weight >= 0 && config.weight <= 1))
      throw fail(`weight must be in [0, 1] (got ${config.weight})`);
    this.softmax = softmaxOutput(model);
    this.scale = outputScale(model);
    this.zeroPoint = outputZeroPoint(model);
    this.window = new Float64Array(frames * coeffs);
    this.run = openHostIntModel(model);
  }

  /** Which host kernels run the teacher. */
  get path(): HostIntModel["path"] {
    return this.run.path;
  }

  /**
   * Soft targets for `rows` examples of a batch (`x`: rows x frames x coeffs, normalized by the
   * student's norm), written into `out` (rows x classes).
   */
  targets(x: Float32Array, rows: number, out: Float32Array): void {
    const { frames, coeffs, norm: s, labels } = this.student;
    const size = frames * coeffs;
    const classes = labels.length;
    const t = this.norm;
    const w = this.window;
    const invT = 1 / this.config.temperature;
    for (let r = 0; r < rows; r++) {
      // Back to raw features, then into the teacher's own normalization.
      for (let f = 0; f < frames; f++)
        for (let c = 0; c < coeffs; c++) {
          const i = f * coeffs + c;
          const raw = x[r * size + i] * s.std[c] + s.mean[c];
          w[i] = t ? (raw - t.mean[c]) / t.std[c] : raw;
        }
      const scores = this.run.run(w);
      const row = out.subarray(r * classes, (r + 1) * classes);
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
      if (!(sum > 0)) throw new TrainError(`--teacher ${this.config.model}: scores sum to ${sum}`);
      for (let c = 0; c < classes; c++) row[c] /= sum;
    }
  }
}
