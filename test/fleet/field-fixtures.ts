/**
 * Shared pieces of the field-loop tests: a cheap verifier (the synthetic FFN model), feature
 * windows it accepts and rejects, model files that differ only in their default threshold, and
 * a scripted detector whose detections are true or false by construction: while the device runs
 * a model with a low default threshold ("bad") it sends windows the verifier rejects, otherwise
 * windows it accepts. The device around it is real (transport, OTA updater, command gate).
 */
import type { LinkDetection, RuntimeControl, TelemetryCounters } from "../../device/transport/link";
import { syntheticFfnModel } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { Verifier } from "../../host/fleet/field/verifier";
import type { DetectorHook } from "../../host/fleet/sim/detector";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";

export const MODEL_ID = "kws-field";
export const KEYWORD = "yes";
const SCALE = 0.05;

export function modelFile(version: number, threshold: number, frames = 9): Uint8Array {
  return Uint8Array.from(
    encodeModel({
      ...syntheticFfnModel({ seed: 1, frames }),
      modelId: MODEL_ID,
      modelVersion: version,
      threshold,
    }),
  );
}

/** The verifier: the same network at threshold 0.3. */
export const verifier = new Verifier(modelFile(1, 0.3), "test verifier");

/** One window the verifier scores at/above its threshold, one under it (found by search). */
export const windows = (() => {
  const rng = new Rng(1);
  let accepted: number[] | undefined;
  let rejected: number[] | undefined;
  while (!accepted || !rejected) {
    const f = Array.from({ length: 90 }, () =>
      Math.max(-127, Math.min(127, Math.round(rng.normal() * 40))),
    );
    const s = verifier.score(KEYWORD, f, SCALE);
    if (s >= verifier.threshold + 0.02 && !accepted) accepted = f;
    if (s < verifier.threshold - 0.05 && !rejected) rejected = f;
  }
  return { accepted, rejected };
})();

/**
 * The score of the scripted false accepts: a device whose threshold is under it fires on what
 * the verifier rejects ("bad"); at or above it, only on true keywords (score 0.9).
 */
export const FALSE_SCORE = 0.25;

export class ScriptedDetector implements DetectorHook {
  private timer?: ReturnType<typeof setInterval>;
  private threshold: number;
  private version: number;
  private readonly frames: number;
  /** Truth: detections sent per model version, and how many of them were false. */
  readonly sent = new Map<number, { detections: number; falseAccepts: number }>();

  constructor(
    model: Uint8Array,
    private readonly everyMs: number,
  ) {
    const m = decodeModel([...model]);
    this.threshold = m.threshold;
    this.version = m.modelVersion;
    this.frames = m.tensors[m.input].shape[0];
  }

  start(emit: (d: LinkDetection) => void): void {
    this.timer = setInterval(() => {
      const bad = this.threshold < FALSE_SCORE;
      const t = this.sent.get(this.version) ?? { detections: 0, falseAccepts: 0 };
      t.detections++;
      if (bad) t.falseAccepts++;
      this.sent.set(this.version, t);
      emit({
        keyword: KEYWORD,
        score: bad ? FALSE_SCORE : 0.9,
        featureShape: [9, 10],
        features: bad ? windows.rejected : windows.accepted,
        featureScale: SCALE,
      });
    }, this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  counters(): TelemetryCounters {
    return { frames: 0, inferences: 0, detections: 0, nearMisses: 0, stages: [] };
  }

  /** This device can only run models with its input layout (others fail to activate). */
  validate(bytes: Uint8Array): void {
    const m = decodeModel([...bytes]);
    if (m.tensors[m.input].shape[0] !== this.frames)
      throw new Error(
        `input of ${m.tensors[m.input].shape[0]} frames, this device has ${this.frames}`,
      );
  }

  modelChanged(bytes: Uint8Array): void {
    const m = decodeModel([...bytes]);
    this.threshold = m.threshold;
    this.version = m.modelVersion;
  }

  /** Commands set the threshold the script compares with (others are accepted, ignored). */
  control(): RuntimeControl {
    return {
      setThreshold: (value) => {
        this.threshold = value;
        return undefined;
      },
      setSmoothing: () => undefined,
      setStride: () => undefined,
      reboot: () => {},
    };
  }

  get runningThreshold(): number {
    return this.threshold;
  }

  get runningVersion(): number {
    return this.version;
  }
}
