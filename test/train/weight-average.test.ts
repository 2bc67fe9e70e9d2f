// The moving average of the weights: its arithmetic, its warm-up, and that borrowing it for
// validation leaves the trained weights exactly as they were, even when the borrower throws.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { WeightAverage } from "../../host/train/weight-average";

function tinyModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: "ones" }));
  return m;
}

const values = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

function setAll(m: tf.LayersModel, v: number): void {
  for (const w of m.weights) w.write(tf.fill(w.shape as number[], v));
}

describe("WeightAverage", () => {
  it("warms up, then averages with its decay", () => {
    const m = tinyModel();
    setAll(m, 1);
    const avg = new WeightAverage(m, 0.99);
    expect(avg.decayAt(0)).toBeCloseTo(0.1, 12);
    expect(avg.decayAt(90)).toBeCloseTo(0.91, 12);
    expect(avg.decayAt(10_000)).toBe(0.99);
    setAll(m, 3);
    avg.update(m, 0); // 0.1 * 1 + 0.9 * 3
    setAll(m, 5);
    avg.update(m, 10_000); // 0.99 * 2.8 + 0.01 * 5
    for (const t of avg.tensors())
      for (const x of t.dataSync()) expect(x).toBeCloseTo(0.99 * 2.8 + 0.01 * 5, 5);
    avg.dispose();
  });

  it("lends the average and puts the trained weights back, also after a throw", async () => {
    const m = tinyModel();
    setAll(m, 2);
    const avg = new WeightAverage(m, 0.5);
    setAll(m, 4);
    avg.update(m, 1_000); // 3
    const trained = values(m);
    const seen = await avg.withAveraged(m, () => values(m));
    expect(seen.flat().every((x) => x === 3)).toBe(true);
    expect(values(m)).toEqual(trained);
    await expect(
      avg.withAveraged(m, () => {
        throw new Error("validation failed");
      }),
    ).rejects.toThrow("validation failed");
    expect(values(m)).toEqual(trained);
    // The model's weights survive the average moving on (no shared, disposed storage).
    avg.update(m, 1_001);
    expect(values(m)).toEqual(trained);
    avg.dispose();
  });

  it("refuses a decay outside (0, 1) and a saved average of another shape", () => {
    const m = tinyModel();
    expect(() => new WeightAverage(m, 1)).toThrow(/not in \(0, 1\)/);
    expect(() => new WeightAverage(m, 0.9, [tf.zeros([3, 2])])).toThrow(/1 tensors, the model 2/);
  });
});
