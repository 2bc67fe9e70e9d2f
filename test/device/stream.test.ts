/**
 * The streaming stages one by one (device/runtime/stream), and the arena plan of the
 * interpreter. The whole pipeline's bits are checked by parity.test.ts.
 */
import { describe, expect, it } from "vitest";
import { Detector } from "../../device/runtime/detector";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import { deviceElementBytes, Interpreter } from "../../device/runtime/interpreter";
import { plainMemory } from "../../device/runtime/memory";
import { FeatureStage } from "../../device/runtime/stream/feature-stage";
import { FrameWindow } from "../../device/runtime/stream/frame-window";
import { MovingAverage } from "../../device/runtime/stream/smoother";
import { Trigger } from "../../device/runtime/stream/trigger";
import { syntheticBinaryModel, syntheticInt8Model } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { extractFeatures } from "../../shared/features/frontend";
import { referenceKernels } from "../../shared/kernels/reference";
import { storedCount } from "../../shared/model-format/layout";
import { testSignal } from "./golden";

describe("FeatureStage", () => {
  it("pushed in random chunks gives the batch front end's frames and times", () => {
    const cfg = frontEndFromKeyValues(syntheticInt8Model().frontEnd);
    const samples = Array.from(testSignal(4, 5000), (v) => v / 32768);
    const batch = extractFeatures(samples, cfg);
    const stage = new FeatureStage(cfg, plainMemory, null);
    const rng = new Rng(5);
    const frames: number[] = [];
    const times: number[] = [];
    let pos = 0;
    while (pos < samples.length) {
      const n = Math.min(1 + rng.int(700), samples.length - pos);
      let used = 0;
      while (used < n) {
        used += stage.push(samples, pos + used, n - used);
        if (stage.ready()) {
          frames.push(...stage.frame);
          times.push(stage.frameTimeMs());
          stage.take();
        }
      }
      pos += n;
    }
    expect(frames).toEqual(batch.data);
    const hop = (cfg.hopMs * cfg.sampleRate) / 1000;
    const win = (cfg.windowMs * cfg.sampleRate) / 1000;
    expect(times).toEqual(
      Array.from({ length: batch.frames }, (_, t) => Math.floor(((t * hop + win) * 1000) / 16000)),
    );
  });
});

describe("FrameWindow", () => {
  it("holds the last `frames` frames, oldest first, after wrapping", () => {
    const w = new FrameWindow(3, 2, plainMemory, plainMemory.scratch(6, true));
    const out = new Array<number>(6).fill(0);
    for (let f = 0; f < 7; f++) {
      w.push([f, 10 * f]);
      expect(w.full()).toBe(f >= 2);
    }
    w.copyTo(out);
    expect(out).toEqual([4, 40, 5, 50, 6, 60]);
  });
});

describe("MovingAverage", () => {
  it("sums the last `window` scores of each class and returns the best that may fire, as brute force does", () => {
    const rng = new Rng(9);
    const ma = new MovingAverage(3, 8, 4);
    const hist: number[][] = [];
    const raw = [0, 0, 0];
    // Class 0 never fires (a "_" label); with sign -1 the smallest sum is the best.
    const fires = [false, true, true];
    for (let i = 0; i < 20; i++) {
      const row = [rng.int(32769), rng.int(32769), i % 5 === 0 ? 0 : rng.int(32769)];
      const sign = i < 10 ? 1 : -1;
      // Pushed as model outputs with zero point -128: the smoother sums outputs - zp.
      const best = ma.push(
        row.map((v) => v - 128),
        -128,
        raw,
        fires,
        sign,
      );
      expect(raw).toEqual(row);
      hist.push(row);
      const tail = hist.slice(-4);
      const sums = [0, 1, 2].map((c) => tail.reduce((a, r) => a + r[c], 0));
      expect(ma.size()).toBe(tail.length);
      expect([ma.sum(0), ma.sum(1), ma.sum(2)]).toEqual(sums);
      const want = sign * sums[2] > sign * sums[1] ? 2 : 1;
      expect(best).toBe(want);
    }
    expect(ma.push([1, 1, 1], 0, raw, [false, false, false], 1)).toBe(-1);
  });

  it("restarts on a new window and rejects one outside 1..capacity", () => {
    const ma = new MovingAverage(1, 4, 2);
    ma.push([5], 0, [0], [true], 1);
    ma.setWindow(3);
    expect(ma.size()).toBe(0);
    expect(() => ma.setWindow(5)).toThrow(/1\.\.4/);
    expect(() => ma.setWindow(0)).toThrow();
    expect(ma.getWindow()).toBe(3);
  });
});

describe("Trigger", () => {
  it("fires at the threshold, then stays quiet for the suppression period", () => {
    const t = new Trigger(0.5, 300);
    expect(t.check(0.49, 0)).toBe(false);
    expect(t.check(0.5, 100)).toBe(true);
    expect(t.check(0.9, 399)).toBe(false);
    expect(t.suppressed(399)).toBe(true);
    expect(t.check(0.9, 400)).toBe(true);
  });
});

describe("Detector settings", () => {
  it("start from the model, change at run time, and reject bad values without changing", () => {
    const model = syntheticInt8Model();
    const det = new Detector(model, referenceKernels, plainMemory, () => 0);
    expect(det.getSettings()).toMatchObject({
      threshold: model.threshold,
      smoothingWindow: model.smoothingWindow,
    });
    det.configure({ threshold: 0.3, smoothingWindow: 5, strideFrames: 4, suppressionMs: 200 });
    expect(det.getSettings()).toEqual({
      threshold: 0.3,
      smoothingWindow: 5,
      strideFrames: 4,
      suppressionMs: 200,
    });
    expect(() =>
      det.configure({ threshold: 0.3, smoothingWindow: 5, strideFrames: 0, suppressionMs: 200 }),
    ).toThrow(/strideFrames/);
    expect(det.getSettings().strideFrames).toBe(4);
  });

  it("run the network every strideFrames frames once the window is full", () => {
    const model = syntheticInt8Model();
    const det = new Detector(model, referenceKernels, plainMemory, () => 0);
    det.configure({ ...det.getSettings(), strideFrames: 3 });
    const samples = Array.from(testSignal(2, 8000), (v) => v / 32768);
    det.push(samples, 0, samples.length);
    const frames = det.stats.frames;
    const window = model.tensors[model.input].shape[0];
    expect(det.stats.inferences).toBe(1 + Math.floor((frames - window) / 3));
  });
});

describe("arena plan", () => {
  it.each([
    ["int8", syntheticInt8Model()],
    ["binary", syntheticBinaryModel()],
  ])("%s: peak between the largest op's working set and the sum of activations", (_n, model) => {
    const it = new Interpreter(model, referenceKernels, plainMemory);
    const bytes = (t: number) => {
      const x = model.tensors[t];
      return storedCount(x.dtype, x.shape) * deviceElementBytes(x.dtype);
    };
    const activations = model.tensors
      .map((t, i) => (t.data === null ? bytes(i) : 0))
      .reduce((a, b) => a + b, 0);
    const working = Math.max(
      ...model.ops.map((op) =>
        [...op.inputs, ...op.outputs]
          .filter((t) => model.tensors[t].data === null)
          .reduce((a, t) => a + bytes(t), 0),
      ),
    );
    expect(it.activationBytes).toBe(activations);
    expect(it.arenaPeakBytes).toBeGreaterThanOrEqual(working);
    expect(it.arenaPeakBytes).toBeLessThan(activations);
  });
});
