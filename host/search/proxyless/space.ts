/**
 * Seed 004's search space: a 5x11 stem conv (stride 1, 2), a stack of MBConv choice blocks
 * (expansion e, kernel k, or identity; the first block strides 2 and cannot be identity), a 1x1
 * head conv, global pooling and a dense layer. Ops are MACs per inference, counted as
 * host/search/cost.ts counts them.
 */
import type { MbChoice } from "../../models/mbconv";

export interface ProxylessSpace {
  channels: number;
  blocks: number;
  expansions: number[];
  kernels: (3 | 5 | 7)[];
  headChannels: number;
}

export function choices(s: ProxylessSpace, block: number): MbChoice[] {
  const out: MbChoice[] = [];
  for (const expansion of s.expansions)
    for (const kernel of s.kernels) out.push({ expansion, kernel });
  if (block > 0) out.push("identity");
  return out;
}

export function choiceName(c: MbChoice): string {
  return c === "identity" ? "identity" : `e${c.expansion}k${c.kernel}`;
}

/** Spatial size of block b's output for a [frames, coeffs] input (stem halves coeffs; block 0 strides 2). */
function sizeAfter(frames: number, coeffs: number, stage: "stem" | "blocks"): [number, number] {
  const h = frames;
  const w = Math.ceil(coeffs / 2);
  return stage === "stem" ? [h, w] : [Math.ceil(h / 2), Math.ceil(w / 2)];
}

/** MACs of one choice in block b. */
export function choiceOps(
  s: ProxylessSpace,
  c: MbChoice,
  block: number,
  frames: number,
  coeffs: number,
): number {
  if (c === "identity") return 0;
  const [hi, wi] =
    block === 0 ? sizeAfter(frames, coeffs, "stem") : sizeAfter(frames, coeffs, "blocks");
  const [ho, wo] = sizeAfter(frames, coeffs, "blocks");
  const C = s.channels;
  const eC = C * c.expansion;
  const expand = c.expansion > 1 ? hi * wi * C * eC : 0;
  const dw = ho * wo * eC * c.kernel * c.kernel;
  const project = ho * wo * eC * C;
  return expand + dw + project;
}

/** MACs outside the choice blocks: stem, head, dense. */
export function fixedOps(
  s: ProxylessSpace,
  frames: number,
  coeffs: number,
  classes: number,
): number {
  const [hs, ws] = sizeAfter(frames, coeffs, "stem");
  const [hb, wb] = sizeAfter(frames, coeffs, "blocks");
  return (
    hs * ws * s.channels * 55 + hb * wb * s.channels * s.headChannels + s.headChannels * classes
  );
}
