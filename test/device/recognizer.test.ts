/**
 * The recognizer stage on its own (no audio, no network): smoothing, best keyword only, labels
 * starting with "_" never fire, threshold, suppression, and a full event ring counted as dropped;
 * and the one output-scale rule the detector, the evaluator and the reports share.
 */
import { describe, expect, it } from "vitest";
import {
  DETECTED,
  DROPPED,
  EVENT_CAPACITY,
  NO_DETECTION,
  Recognizer,
} from "../../device/runtime/stream/recognizer";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { SOFTMAX_ONE } from "../../shared/kernels/types";
import {
  outputScale,
  outputZeroPoint,
  softmaxOutput,
} from "../../shared/model-format/output-scale";

describe("Recognizer", () => {
  const labels = ["_silence_", "yes", "no"];

  it("fires the best keyword once its smoothed score reaches the threshold, then suppresses", () => {
    const r = new Recognizer(labels, 0.01, 7);
    r.configure(0.5, 2, 1000);
    // The model's outputs carry a zero point of -3; the recognizer works on outputs - zp.
    const raw = [0, 0, 0];
    const process = (scores: number[], t: number) =>
      r.process(
        scores.map((v) => v - 3),
        -3,
        raw,
        t,
      );
    // _silence_ scores highest but never fires; "yes" averages (40 + 80) / 2 * 0.01 = 0.6.
    expect(process([99, 40, 10], 0)).toBe(NO_DETECTION);
    expect(raw).toEqual([99, 40, 10]);
    expect(process([99, 80, 10], 100)).toBe(DETECTED);
    expect(r.pendingEvents()).toBe(1);
    expect(r.event(0)).toEqual({
      keyword: "yes",
      classIndex: 1,
      score: 0.6,
      rawSum: 120,
      window: 2,
      t: 100,
      modelVersion: 7,
    });
    expect(process([0, 90, 10], 500)).toBe(NO_DETECTION); // suppressed
    // "no" averages (10 + 90) / 2 * 0.01 = 0.5, above "yes" at 0.45: only "no" fires.
    expect(process([0, 0, 90], 1200)).toBe(DETECTED);
    expect([r.event(1).keyword, r.event(1).score]).toEqual(["no", 0.5]);
    r.drainEvents();
    expect(r.pendingEvents()).toBe(0);
  });

  it("counts a detection that finds the ring full as dropped", () => {
    const r = new Recognizer(labels, 1, 1);
    r.configure(0.5, 1, 0);
    const raw = [0, 0, 0];
    for (let i = 0; i < EVENT_CAPACITY; i++) expect(r.process([0, 1, 0], 0, raw, i)).toBe(DETECTED);
    expect(r.process([0, 1, 0], 0, raw, EVENT_CAPACITY)).toBe(DROPPED);
    expect(r.pendingEvents()).toBe(EVENT_CAPACITY);
  });
});

describe("outputScale", () => {
  it("is 1/SOFTMAX_ONE for a softmax output and the output tensor's scale otherwise", () => {
    const soft = syntheticInt8Model({ seed: 1 });
    expect(softmaxOutput(soft)).toBe(true);
    expect(outputScale(soft)).toBe(1 / SOFTMAX_ONE);
    expect(outputZeroPoint(soft)).toBe(0);
    // The same graph ending at the logits (the softmax's input) scores in the logits' scale.
    const last = soft.ops[soft.ops.length - 1];
    const logits = { ...soft, ops: soft.ops.slice(0, -1), output: last.inputs[0] };
    const out = logits.tensors[logits.output];
    expect(softmaxOutput(logits)).toBe(false);
    expect(outputScale(logits)).toBe(out.scales[0]);
    expect(outputZeroPoint(logits)).toBe(out.zeroPoint);
    expect(out.scales[0]).not.toBe(1 / SOFTMAX_ONE);
  });
});
