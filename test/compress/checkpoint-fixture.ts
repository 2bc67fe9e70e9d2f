/**
 * A tiny ds-cnn-s float checkpoint on 98x10 MFCC with non-trivial batch norms (random offsets and
 * variances, so folding them is exercised), labelled for the yes/no task of the sample clips.
 * Its initial weights come from `seed`, so a test's figures do not change from run to run.
 */
import * as tf from "@tensorflow/tfjs";
import { saveModelDir } from "../../host/compress/checkpoint";
import { buildSeeded } from "../../host/train/loop";
import { MFCC_30_10_10 } from "../../shared/features";

export async function dsCnnFloatCheckpoint(path: string, seed = 0): Promise<tf.LayersModel> {
  const config = {
    inputShape: [98, 10, 1] as [number, number, number],
    numClasses: 4,
    filters: 8,
    blocks: 1,
  };
  const m = buildSeeded("ds-cnn-s", config, seed);
  for (const l of m.layers) {
    if (l.getClassName() !== "BatchNormalization") continue;
    const n = l.getWeights()[0].shape[0];
    l.setWeights([
      tf.ones([n]),
      tf.randomUniform([n], -0.2, 0.2, "float32", 1),
      tf.zeros([n]),
      tf.randomUniform([n], 0.5, 2, "float32", 2),
    ]);
  }
  await saveModelDir(path, m, {
    format: "earshot-tfjs-checkpoint",
    version: 1,
    model: { name: "ds-cnn-s", config },
    labels: ["_silence_", "_unknown_", "yes", "no"],
    keywords: ["yes", "no"],
    frontEnd: MFCC_30_10_10,
    inputNorm: { mean: new Array(10).fill(0), std: new Array(10).fill(20) },
    inputShape: [98, 10, 1],
    epoch: 0,
    step: 0,
    metrics: {},
  });
  return m;
}
