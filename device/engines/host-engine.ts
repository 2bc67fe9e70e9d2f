/**
 * The engine a host-side stream evaluation runs when none is named: the Node runtime with the
 * wasm kernels when `npm run build:device` has built them (bit-exact with the portable kernels,
 * test/engines parity, and ~4x faster on a long stream), else the portable Node runtime.
 */
import { existsSync } from "node:fs";
import type { EngineName } from "./names";
import { buildOutputs } from "./paths";

export function fastestHostEngine(): EngineName {
  return existsSync(buildOutputs().wasmScalar) ? "node-wasm" : "node";
}
