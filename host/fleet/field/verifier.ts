/**
 * The host verifier: re-scores the feature window a device sends with each detection using a
 * reference model (by default the shipped model) at that model's own threshold. Its score for the
 * detected keyword is stored beside the detection; quality.ts counts windows under the threshold
 * as false accepts. The window is the detector's input (frames x coeffs, after the front end and
 * input normalization), so the reference model must share the device model's front end and
 * input layout; other windows are marked not verifiable (-1).
 *
 * It runs beside ingest, never in it: a loop picks unscored detections in batches, so a burst of
 * detections delays the estimate, not the acks.
 */
import { readFileSync } from "node:fs";
import type { Detector } from "../../../device/runtime/detector";
import { OP_SOFTMAX } from "../../../shared/model-format/types";
import { FleetError } from "../errors";
import { buildDetector } from "../sim/runtime-detector";
import type { SqlDriver } from "../store/driver";

export class Verifier {
  readonly threshold: number;
  readonly describe: string;
  private readonly det: Detector;
  private readonly zeroPoint: number;
  private readonly inputSize: number;

  constructor(modelBytes: Uint8Array, name: string) {
    this.det = buildDetector(modelBytes, () => 0);
    const m = this.det.model;
    this.threshold = m.threshold;
    this.describe = `${name} (${m.modelId} v${m.modelVersion}, threshold ${m.threshold.toFixed(3)})`;
    const last = m.ops[m.ops.length - 1];
    this.zeroPoint = last.code === OP_SOFTMAX ? 0 : m.tensors[m.output].zeroPoint;
    this.inputSize = this.det.interpreter.input().length;
  }

  static fromFile(file: string): Verifier {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new FleetError(`cannot read verifier model ${file}: ${(e as Error).message}`);
    }
    return new Verifier(bytes, file);
  }

  /** The reference model's score for `keyword` on the window; -1 when it cannot say. */
  score(keyword: string, features: ArrayLike<number>, scale: number): number {
    const c = this.det.model.labels.indexOf(keyword);
    if (c < 0 || features.length !== this.inputSize || !(scale > 0)) return -1;
    const it = this.det.interpreter;
    const input = it.input();
    for (let i = 0; i < features.length; i++) input[i] = features[i] * scale;
    it.invoke();
    return (it.output()[c] - this.zeroPoint) * this.det.scoreScale;
  }
}

/** Scores unscored detections in batches until stopped. */
export class VerifierLoop {
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private running?: Promise<number>;
  scored = 0;

  constructor(
    private readonly db: SqlDriver,
    private readonly verifier: Verifier,
    private readonly log: (line: string) => void,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.runOnce().catch((e: Error) => {
        this.log(`verifier: ${e.message}`);
        return 0;
      });
      this.running.then((n) => {
        if (!this.stopped) this.timer = setTimeout(loop, n > 0 ? 0 : this.everyMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Scores up to one batch; returns how many it scored. */
  async runOnce(batch = 200): Promise<number> {
    const r = await this.db.query<{ id: number; keyword: string; features: Uint8Array; s: number }>(
      `SELECT id::float8 AS id, keyword, features, feature_scale AS s FROM detections
       WHERE features IS NOT NULL AND verifier_score IS NULL ORDER BY id LIMIT $1`,
      [batch],
    );
    if (r.rows.length === 0) return 0;
    const scores = r.rows.map((x) => {
      const bytes = new Uint8Array(x.features);
      const f = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      return this.verifier.score(x.keyword, f, x.s === null ? 0 : Number(x.s));
    });
    await this.db.query(
      `UPDATE detections d SET verifier_score = u.s
       FROM unnest($1::bigint[], $2::real[]) AS u(id, s) WHERE d.id = u.id`,
      [r.rows.map((x) => x.id), scores],
    );
    this.scored += scores.length;
    return scores.length;
  }
}
