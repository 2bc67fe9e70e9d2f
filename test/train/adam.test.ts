// earshot's Adam (host/train/adam.ts: one native kernel per variable) against tfjs' own
// AdamOptimizer: the same weights and moments, bit for bit, over several steps with a learning
// rate that changes between them (as the polynomial decay does), and the same saved state.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeAddon } from "../../host/native/load";
import { ADAM_STEP, adam, NativeAdam } from "../../host/train/adam";
import { loadBackend } from "../../host/train/backend";
import { setLearningRate } from "../../host/train/step";

const hasNative = nativeAddon() !== null;

function train(opt: tf.Optimizer, steps: number) {
  const w = tf.variable(
    tf.randomNormal([3, 3, 2, 19], 0, 1, "float32", 1),
    true,
    `w${Math.random()}`,
  );
  const b = tf.variable(tf.randomNormal([19], 0, 1, "float32", 2), true, `b${Math.random()}`);
  for (let s = 0; s < steps; s++) {
    setLearningRate(opt, 1e-2 * (1 - s / (2 * steps)));
    // Gradients spanning magnitudes, some exactly zero.
    const gw = tf.mul(
      tf.randomNormal(w.shape, 0, 10 ** ((s % 4) - 2), "float32", 10 + s),
      tf.cast(tf.greater(tf.randomUniform(w.shape, 0, 1, "float32", 50 + s), 0.2), "float32"),
    );
    const gb = tf.randomNormal(b.shape, 0, 1, "float32", 30 + s);
    opt.applyGradients({ [w.name]: gw, [b.name]: gb });
    tf.dispose([gw, gb]);
  }
  const out = { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()) };
  tf.dispose([w, b]);
  return out;
}

describe.skipIf(!hasNative)("native Adam", () => {
  beforeAll(async () => {
    await loadBackend({ quiet: true });
  });

  it("gives tfjs' Adam's weights and state bit for bit", async () => {
    const ours = adam(1e-2);
    expect(ours).toBeInstanceOf(NativeAdam);
    const theirs = tf.train.adam(1e-2);
    // The comparison must be of the native kernel, not of a fallback.
    let a: ReturnType<typeof train> | undefined;
    const profile = await tf.profile(() => {
      a = train(ours, 7);
    });
    expect(profile.kernels.filter((k) => k.name === ADAM_STEP).length).toBe(14);
    const b = train(theirs, 7);
    expect(a?.w).toEqual(b.w);
    expect(a?.b).toEqual(b.b);
    const sa = await ours.getWeights();
    const sb = await theirs.getWeights();
    expect(sa.map((s) => s.name.replace(/^w[\d.]+|^b[\d.]+/, "v"))).toEqual(
      sb.map((s) => s.name.replace(/^w[\d.]+|^b[\d.]+/, "v")),
    );
    for (const [i, s] of sa.entries())
      expect(Array.from(s.tensor.dataSync())).toEqual(Array.from(sb[i].tensor.dataSync()));
    expect(ours.getClassName()).toBe("Adam");
  });

  it("the native kernel refuses operands outside the heap", () => {
    const addon = nativeAddon() as NonNullable<ReturnType<typeof nativeAddon>>;
    const heap = new ArrayBuffer(1024);
    const ok = [0, 64, 128, 192, 256, 320, 384];
    expect(() =>
      addon.adamStep(heap, ...ok, 16, 0.1, 0.001, 0.9, 0.999, 0.1, 0.001, -0.01, 1e-7),
    ).not.toThrow();
    expect(() =>
      addon.adamStep(heap, ...ok, 200, 0.1, 0.001, 0.9, 0.999, 0.1, 0.001, -0.01, 1e-7),
    ).toThrow(/outside the heap/);
    expect(() => addon.adamStep(heap, ...ok, 16)).toThrow(/adamStep/);
  });
});
