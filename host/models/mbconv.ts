/**
 * MBConv blocks (seed 004, MobileNetV2 inverted residuals): 1x1 expansion (rate e, skipped for
 * e = 1) -> BN -> ReLU -> kxk depthwise (stride s) -> BN -> ReLU -> 1x1 projection -> BN, plus
 * the input when shapes match. "identity" is the search space's skip choice.
 * The network: conv 5x11 stride (1, 2) -> MBConv stack -> 1x1 conv -> global pool -> dense.
 */
import * as tf from "@tensorflow/tfjs";
import { apply, convBnRelu, type InputShape, type Sym } from "./common";

export type MbChoice = { expansion: number; kernel: 3 | 5 | 7 } | "identity";

export function mbconvBlock(x: Sym, name: string, choice: MbChoice, outC: number, stride = 1): Sym {
  const inC = x.shape[x.shape.length - 1] as number;
  if (choice === "identity") {
    if (stride !== 1 || inC !== outC)
      throw new Error(`${name}: identity needs stride 1 and ${inC} = ${outC}`);
    return x;
  }
  let y = x;
  if (choice.expansion > 1)
    y = convBnRelu(y, `${name}_expand`, { filters: inC * choice.expansion, kernel: 1 });
  y = convBnRelu(y, `${name}_dw`, {
    filters: 0,
    kernel: choice.kernel,
    strides: stride,
    depthwise: true,
  });
  y = convBnRelu(y, `${name}_project`, { filters: outC, kernel: 1, relu: false });
  if (stride === 1 && inC === outC) y = apply(tf.layers.add({ name: `${name}_add` }), [y, x]);
  return y;
}

export interface MbNetConfig {
  inputShape: InputShape;
  numClasses: number;
  channels?: number;
  blocks?: MbChoice[];
  /** Blocks (by index) with stride 2. */
  strided?: number[];
  headChannels?: number;
}

export const MBNET_DEFAULTS = {
  channels: 72,
  blocks: [
    { expansion: 3, kernel: 3 },
    { expansion: 3, kernel: 5 },
    { expansion: 6, kernel: 3 },
    "identity",
  ] as MbChoice[],
  strided: [0],
  headChannels: 144,
};

export function buildMbNet(c: MbNetConfig): tf.LayersModel {
  const o = { ...MBNET_DEFAULTS, ...c };
  const input = tf.input({ shape: c.inputShape, name: "features" });
  let x = convBnRelu(input, "stem", { filters: o.channels, kernel: [5, 11], strides: [1, 2] });
  o.blocks.forEach((b, i) => {
    x = mbconvBlock(x, `mb${i}`, b, o.channels, o.strided.includes(i) ? 2 : 1);
  });
  x = convBnRelu(x, "head", { filters: o.headChannels, kernel: 1 });
  x = apply(tf.layers.globalAveragePooling2d({ name: "gap" }), x);
  const logits = apply(tf.layers.dense({ name: "logits", units: c.numClasses }), x);
  return tf.model({ inputs: input, outputs: logits, name: "mbnet" });
}
