/**
 * The optional native addon (host/native/c, built by deploy/native.sh into $EARSHOT_NATIVE_CACHE,
 * else <repo>/.cache/native):
 * loaded once, at first use, when it is built, current and not switched off; otherwise callers
 * take the wasm path. `EARSHOT_NATIVE=0` switches it off (the fallback's tests and benches use
 * that). A stale build (sources changed since) is refused, so results never come from other
 * kernels than the checkout's.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const REPO_DIR = join(import.meta.dirname, "..", "..");
const C_DIR = join(import.meta.dirname, "c");
const KERNELS_DIR = join(REPO_DIR, "device", "targets", "c-kernels");

/**
 * Training kernels (host/native/c/train.c) on tensors inside the tfjs wasm backend's memory:
 * `heap` is that memory's buffer, then the AssemblyScript kernels' arguments (a, b, out byte
 * offsets, the 14 geometry values of host/train/kernels/conv.ts convArgs, outC).
 */
export interface NativeTrainKernels {
  convForward(heap: ArrayBuffer, ...args: number[]): void;
  convInputGrad(heap: ArrayBuffer, ...args: number[]): void;
  convFilterGrad(heap: ArrayBuffer, ...args: number[]): void;
  /**
   * Conv (stride 1) + ReLU + average pooling (valid, stride = window) in one pass: heap, x, w,
   * out offsets, then n, h, w, c, oh, ow (the conv's output), oc, fh, fw, pt, pl, ph, pw.
   */
  convReluPool(heap: ArrayBuffer, ...args: number[]): void;
  /** Its filter gradient: heap, x, w, dy (pooled), dw offsets, then the same geometry. */
  convReluPoolFilterGrad(heap: ArrayBuffer, ...args: number[]): void;
  /**
   * Batch norm's per-channel sums over a [rows, c] tensor in the heap (b = -1: none):
   * [Σ(a - ref), Σ(a - ref)²], or with b [Σa, Σa(b - ref)], into out (Float64Array(2c)).
   */
  channelSums(
    heap: ArrayBuffer,
    a: number,
    b: number,
    rows: number,
    c: number,
    ref: Float32Array,
    out: Float64Array,
  ): void;
  /** out = a p[0:c] + p[c:2c], or with b: a p[0:c] + b p[c:2c] + p[2c:3c], per channel. */
  channelAffine(
    heap: ArrayBuffer,
    a: number,
    b: number,
    out: number,
    rows: number,
    c: number,
    p: Float32Array,
  ): void;
  /**
   * Adam's update of one variable (n floats): heap, then x, m, v, g, xOut, mOut, vOut byte
   * offsets, n, then c1 = 1 - b1^t, c2 = 1 - b2^t, b1, b2, 1 - b1, 1 - b2, -lr, eps.
   */
  adamStep(heap: ArrayBuffer, ...args: number[]): void;
  /** Threads the training kernels split work over (the argument sets it; 1 to 8). */
  trainThreads(n?: number): number;
}

/**
 * The device's C front end (device/targets/c-kernels/frontend.c) for host features
 * (host/native/front-end.ts): the tables of a shared/features FrontEnd copied in once.
 */
export interface NativeFrontEndFunctions {
  /** dims: [windowLength, hopLength, coeffs, nMels, fftSize, lfbe 0/1]; returns an opaque handle. */
  frontEndCreate(
    dims: Int32Array,
    logFloor: number,
    window: Float64Array,
    rev: Int32Array,
    cosM: Float64Array,
    sinM: Float64Array,
    cosN: Float64Array,
    sinN: Float64Array,
    melStart: Int32Array,
    melCount: Int32Array,
    melOffset: Int32Array,
    melWeights: Float64Array,
    dct: Float64Array,
  ): object;
  /** frames x coeffs features of samples (hop apart) into out. */
  frontEndExtract(fe: object, samples: Float32Array, frames: number, out: Float32Array): void;
}

/** The polyphase resampler's loop (host/data/resample.ts): taps are up x 2 half values. */
export interface NativeResampleFunctions {
  resamplePolyphase(
    src: Float32Array,
    out: Float32Array,
    taps: Float64Array,
    up: number,
    down: number,
    half: number,
  ): void;
}

/** The vocal tract warp's frames (host/data/voice-warp.ts; layout in host/native/c/vtlp.c). */
export interface NativeWarpFunctions {
  vtlpWarpFrames(x: Float32Array, y: Float32Array, tables: Float64Array, ints: Int32Array): void;
}

/** The reverb's FFT convolution (host/data/convolve.ts; layout in host/native/c/convolve.c). */
export interface NativeConvolveFunctions {
  convolveReal(
    x: Float32Array,
    h: Float32Array,
    y: Float32Array,
    table: Float64Array,
    bitrev: Int32Array,
    width: number,
    halfTable: Float64Array,
    halfBitrev: Int32Array,
    halfWidth: number,
    cos: Float64Array,
    sin: Float64Array,
  ): void;
}

export interface NativeAddon
  extends NativeTrainKernels,
    NativeFrontEndFunctions,
    NativeResampleFunctions,
    NativeWarpFunctions,
    NativeConvolveFunctions {
  /** Runs a lowered integer-model plan over an arena (host/infer/native-resident.ts). */
  infer(arena: ArrayBuffer, plan: Float64Array): void;
  /** Compiler and instruction set the addon was built with. */
  buildInfo(): string;
}

export type NativeStatus =
  | { addon: NativeAddon; file: string; info: string }
  | { addon: null; reason: string };

/** The first word of deploy/native.sh's key: a hash of the sources, in the script's order. */
function sourcesHash(): string {
  const mine = readdirSync(C_DIR).sort();
  const files = [
    ...mine.filter((f) => f.endsWith(".c")).map((f) => join(C_DIR, f)),
    join(KERNELS_DIR, "kernels.c"),
    join(KERNELS_DIR, "frontend.c"),
    ...mine.filter((f) => f.endsWith(".h")).map((f) => join(C_DIR, f)),
    join(KERNELS_DIR, "kernels.h"),
    join(KERNELS_DIR, "frontend.h"),
  ];
  const h = createHash("sha256");
  for (const f of files) h.update(readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

let status: NativeStatus | undefined;

/** Loads the addon as `env` says (EARSHOT_NATIVE, EARSHOT_NATIVE_CACHE), uncached. */
export function loadNative(env: NodeJS.ProcessEnv = process.env): NativeStatus {
  if (env.EARSHOT_NATIVE === "0") return { addon: null, reason: "EARSHOT_NATIVE=0" };
  const file = join(env.EARSHOT_NATIVE_CACHE ?? join(REPO_DIR, ".cache", "native"), "earshot.node");
  if (!existsSync(file)) return { addon: null, reason: "not built (deploy/native.sh)" };
  let key = "";
  try {
    key = readFileSync(`${file}.key`, "utf8").split(" ")[0];
  } catch {
    return { addon: null, reason: "build key missing (rerun deploy/native.sh)" };
  }
  if (key !== sourcesHash())
    return {
      addon: null,
      reason: "stale: sources changed since the build (rerun deploy/native.sh)",
    };
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    return { addon, file, info: addon.buildInfo() };
  } catch (e) {
    return { addon: null, reason: `failed to load (${(e as Error).message.split("\n")[0]})` };
  }
}

/** The addon when it is usable, with where it came from; or why not. Loaded once. */
export function nativeStatus(): NativeStatus {
  status ??= loadNative();
  return status;
}

/** The addon, or null (callers then use the wasm kernels). */
export function nativeAddon(): NativeAddon | null {
  return nativeStatus().addon;
}
