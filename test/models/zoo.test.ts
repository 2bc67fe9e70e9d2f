import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel, countParams, MODEL_NAMES } from "../../host/models";

/** A tiny configuration of every zoo model. */
const TINY_CONFIGS: Record<string, object> = {
  "res8-narrow": { inputShape: [20, 12, 1], numClasses: 3 },
  res8: { inputShape: [20, 12, 1], numClasses: 3, filters: 4 },
  "res8-bin": { inputShape: [20, 12, 1], numClasses: 3, filters: 4, blocks: 2 },
  "res8-stream": { inputShape: [20, 12, 1], numClasses: 3, filters: 4, blocks: 2, pool: [2, 3] },
  tinyconv: { inputShape: [20, 12, 1], numClasses: 3 },
  "ds-cnn-s": { inputShape: [20, 12, 1], numClasses: 3, filters: 8, blocks: 2 },
  "ds-stream": { inputShape: [20, 12, 1], numClasses: 3, filters: 8, stemFilters: 4, pool: [2, 3] },
  ffn: { inputShape: [21, 12, 1], numClasses: 3, widths: [8, 6] },
  mbnet: { inputShape: [20, 12, 1], numClasses: 3, channels: 6, headChannels: 8 },
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("model zoo", () => {
  it.each([
    // [name, config, expected trainable parameters (closed form from the architecture)]
    // res8-narrow: 19*9 + 6*(19*19*9) + 6 BN*(2*19) + 19*12+12 = 20,178 (~20K, Tang & Lin)
    ["res8-narrow", { inputShape: [98, 40, 1], numClasses: 12 }, 171 + 6 * 3249 + 6 * 38 + 240],
    // res8-stream: res8-narrow's convs, BNs and dense (its shortcuts are parameter-free pools)
    ["res8-stream", { inputShape: [98, 40, 1], numClasses: 12 }, 171 + 6 * 3249 + 6 * 38 + 240],
    // ds-stream: 16*9 stem + (9*16 + BN + 16*64 + BN) + 3 * (9*64 + BN + 64*64 + BN) + 64*12+12
    [
      "ds-stream",
      { inputShape: [98, 40, 1], numClasses: 12 },
      144 + (144 + 32 + 1024 + 128) + 3 * (576 + 128 + 4096 + 128) + 780,
    ],
    // tinyconv on 49x40, 4 classes: 8*10*8+8 + 25*20*8*4+4 = 16,652 ("about 17k", seed 003)
    ["tinyconv", { inputShape: [49, 40, 1], numClasses: 4 }, 648 + 16004],
    // ds-cnn-s: 64*10*4 + BN + 4 * (9*64 + BN + 64*64 + BN) + 64*12+12
    [
      "ds-cnn-s",
      { inputShape: [49, 10, 1], numClasses: 12 },
      2560 + 128 + 4 * (576 + 128 + 4096 + 128) + 780,
    ],
    // ffn M0: 540*87 + 87*400 + 400*87 + 87*400 + 400*87 + 87*400 + BN 2*(3*87+3*400) + 400*2+2 (~250K)
    [
      "ffn",
      { inputShape: [81, 20, 1], numClasses: 2 },
      540 * 87 + 5 * 87 * 400 + 2 * (3 * 87 + 3 * 400) + 802,
    ],
  ] as const)("%s has the closed-form parameter count", (name, config, params) => {
    const m = buildModel(name, config as never);
    expect(countParams(m)).toBe(params);
    expect(m.outputs[0].shape).toEqual([null, config.numClasses]);
    m.dispose();
  });

  it("every model maps a batch of features to class logits", () => {
    const configs = TINY_CONFIGS;
    expect(Object.keys(configs).sort()).toEqual([...MODEL_NAMES].sort());
    for (const name of MODEL_NAMES) {
      const m = buildModel(name, configs[name] as never);
      const y = m.predict(
        tf.randomNormal([2, ...(configs[name] as { inputShape: number[] }).inputShape]),
      ) as tf.Tensor;
      expect(y.shape, name).toEqual([2, 3]);
      expect(Number.isFinite(y.sum().dataSync()[0]), name).toBe(true);
      m.dispose();
    }
  });

  it("every batch norm tracks its moving statistics with momentum 0.9", () => {
    // tfjs' default 0.99 leaves the moving statistics far from the data after a few hundred
    // steps, so short runs evaluated far worse than they trained.
    const configs = TINY_CONFIGS;
    for (const name of MODEL_NAMES) {
      const m = buildModel(name, configs[name] as never);
      const norms = m.layers.filter((l) => l.getClassName() === "BatchNormalization");
      for (const l of norms)
        expect((l.getConfig() as { momentum: number }).momentum, name).toBe(0.9);
      m.dispose();
    }
  });

  it("res8-stream keeps 7 rows of 98 frames for global pooling; too few frames are refused", () => {
    const m = buildModel("res8-stream", { inputShape: [98, 40, 1], numClasses: 12 });
    expect(m.getLayer("pool0").outputShape).toEqual([null, 19, 13, 19]);
    expect(m.getLayer("bn6").outputShape).toEqual([null, 7, 13, 19]);
    m.dispose();
    expect(() => buildModel("res8-stream", { inputShape: [49, 40, 1], numClasses: 12 })).toThrow(
      /49 frames leave -3 rows/,
    );
  });

  it("res8-bin replaces pooling by a strided conv and adds a shortcut per conv", () => {
    const m = buildModel("res8-bin", { inputShape: [98, 40, 1], numClasses: 12 });
    const names = m.layers.map((l) => l.getClassName());
    expect(names).not.toContain("AveragePooling2D");
    expect(names.filter((n) => n === "Add")).toHaveLength(6);
    expect(m.getLayer("down0").outputShape).toEqual([null, 25, 14, 19]);
    m.dispose();
  });

  it("res8-bin's stem can be narrower than its blocks; only the downsampling conv changes channels", () => {
    const m = buildModel("res8-bin", {
      inputShape: [98, 40, 1],
      numClasses: 12,
      filters: 32,
      stemFilters: 19,
    });
    expect(m.getLayer("conv0").outputShape).toEqual([null, 98, 40, 19]);
    expect(m.getLayer("down0").outputShape).toEqual([null, 25, 14, 32]);
    m.dispose();
    expect(() =>
      buildModel("res8-bin", {
        inputShape: [98, 40, 1],
        numClasses: 12,
        filters: 32,
        stemFilters: 19,
        downsample: null,
      }),
    ).toThrow(/stemFilters \(19\) must equal filters \(32\) without a downsampling conv/);
  });

  it("rejects an unknown model name with a clear error", () => {
    expect(() => buildModel("res9" as never, {} as never)).toThrow(/unknown model 'res9'/);
  });
});
