/**
 * Portable (SUBSET.md) workload for the cross-engine test: features of a fixed signal under two
 * presets, in batch and streaming, as one flat list of numbers. Runs on Node, and bundled for
 * lua5.3 (typescript-to-lua) and duk (ES5) by engines.test.ts.
 */

import { LFBE_25_10_20, MFCC_30_10_40 } from "../../../shared/features/config";
import { extractFeatures } from "../../../shared/features/frontend";
import { StreamingFrontEnd } from "../../../shared/features/stream";

export function featureDump(): number[] {
  const x: number[] = [];
  let seed = 12345;
  for (let i = 0; i < 8000; i++) {
    seed = (seed * 16807) % 2147483647; // exact in doubles and Lua integers alike
    x.push(((seed / 2147483647) * 2 - 1) * 0.1 + (i % 37) / 370);
  }
  for (let i = 5000; i < 5600; i++) x[i] = 0; // digital silence: the log floor
  const out = extractFeatures(x, MFCC_30_10_40).data.concat(extractFeatures(x, LFBE_25_10_20).data);
  const st = new StreamingFrontEnd(MFCC_30_10_40, {
    onFrame(c: number[]) {
      for (let j = 0; j < c.length; j++) out.push(c[j]);
    },
  });
  for (let i = 0; i < x.length; i += 333) st.push(x, i, i + 333 < x.length ? i + 333 : x.length);
  return out;
}
