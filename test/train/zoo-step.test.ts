// Every model in the zoo takes a training step on the wasm backend: no gradient kernel is
// missing there, and the loss is finite. (Which implementation serves which kernel is listed in
// host/train/kernels/register.ts and checked in kernels.test.ts.)
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MODEL_NAMES } from "../../host/models";
import { loadBackend } from "../../host/train/backend";
import { buildSeeded } from "../../host/train/loop";
import { makeTrainStep } from "../../host/train/step";

beforeAll(async () => {
  const info = await loadBackend({ quiet: true, prefer: "wasm" });
  expect(info.name).toBe("wasm");
});

describe.each(MODEL_NAMES)("%s", (name) => {
  it("trains one step on wasm", () => {
    // res8-stream drops 4 rows per block along time: it needs a 1 s window (98 frames).
    const inputShape: [number, number, number] = [name === "res8-stream" ? 98 : 49, 20, 1];
    const model = buildSeeded(name, { inputShape, numClasses: 4 }, 1);
    const step = makeTrainStep(model, tf.train.adam(1e-3));
    const x = tf.randomNormal([4, ...inputShape], 0, 1, "float32", 1);
    const y = tf.tensor1d([0, 1, 2, 3], "int32");
    const r = step(x, y);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.correct).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y]);
    model.dispose();
  });
});
