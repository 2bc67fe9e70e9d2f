/** Where `npm run build:device` writes its outputs (gitignored). */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEVICE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_DIR = join(DEVICE_DIR, "build");

export interface BuildOutputs {
  es5: string;
  lua: string;
  wasmScalar: string;
  wasmSimd: string;
  duktapeHost: string;
}

export function buildOutputs(dir = BUILD_DIR): BuildOutputs {
  return {
    es5: join(dir, "earshot-es5.js"),
    lua: join(dir, "earshot.lua"),
    wasmScalar: join(dir, "kernels.wasm"),
    wasmSimd: join(dir, "kernels-simd.wasm"),
    duktapeHost: join(dir, "earshot-duk"),
  };
}
