import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { DeviceEnsemble, ensembleProbabilities } from "../../host/compress/ensemble";
import { IntEvaluator } from "../../host/compress/int-eval";
import { syntheticBinaryModel } from "../../host/compress/synthetic-models";
import { buildModel } from "../../host/models";
import { encodeModel } from "../../shared/model-format/encode";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("ensembles", () => {
  it("averages member probabilities with equal weight", () => {
    const cfg = { inputShape: [10, 6, 1] as [number, number, number], numClasses: 3, filters: 4 };
    const ms = [1, 2, 3].map(() => buildModel("tinyconv", { ...cfg, dropout: 0 }));
    const x = tf.randomNormal([4, 10, 6, 1], 0, 1, "float32", 1);
    const e = ensembleProbabilities(ms, x).arraySync();
    const each = ms.map((m) => tf.softmax(m.predict(x) as tf.Tensor).arraySync() as number[][]);
    for (let i = 0; i < 4; i++)
      for (let c = 0; c < 3; c++)
        expect(e[i][c]).toBeCloseTo((each[0][i][c] + each[1][i][c] + each[2][i][c]) / 3, 5);
    expect(ensembleProbabilities([ms[0]], x).arraySync()).toEqual(
      each[0].map((r) => r.map((v) => expect.closeTo(v, 6))),
    );
  });

  it("integer ensembles of 2 and 3 binary files: mean scores, memory is the sum", () => {
    const files = [1, 2, 3].map((seed) => syntheticBinaryModel({ seed }));
    const x = Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.37) * 3);
    for (const k of [2, 3]) {
      const ens = new DeviceEnsemble(files.slice(0, k));
      const single = files.slice(0, k).map((f) => new IntEvaluator(f).run(x).scores);
      const s = ens.scores(x);
      s.forEach((v, c) => {
        expect(v).toBeCloseTo(single.reduce((a, r) => a + r[c], 0) / k, 9);
      });
      expect(ens.bytes()).toBe(files.slice(0, k).reduce((a, f) => a + encodeModel(f).length, 0));
    }
  });
});
