/**
 * The native addon (host/native, built here by deploy/native.sh when a C compiler and Node's
 * headers exist) computes the same raw outputs as the wasm SIMD path and IntEvaluator, for int8,
 * 4-bit, binary and TFLite-imported models; its vectorized conv2d equals the reference kernel on
 * geometries that take each of its branches; a malformed plan is refused; and without the addon
 * (switched off, not built, stale) host inference falls back to the wasm kernels.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOutputs } from "../../device/engines/paths";
import { lowerArgs } from "../../device/targets/wasm/abi";
import { buildDevice } from "../../device/tools/build";
import { IntEvaluator } from "../../host/compress/int-eval";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { openHostIntModel } from "../../host/eval/host-int-model";
import { ArenaBuilder, NativeResidentModel } from "../../host/infer/native-resident";
import { ResidentWasmModel } from "../../host/infer/wasm-resident";
import { importTflite } from "../../host/interop/tflite/import";
import { readTflite } from "../../host/interop/tflite/schema";
import { loadNative } from "../../host/native/load";
import { kernelSpec } from "../../shared/kernels/ops";
import { referenceKernels } from "../../shared/kernels/reference";
import type { ConvGeometry, RequantParams } from "../../shared/kernels/types";
import { smallNet } from "../interop/tflite-model";

const REPO = join(import.meta.dirname, "..", "..");
buildDevice();
// Cached after the first build; exits 0 (and the addon tests skip) without a compiler.
execFileSync(join(REPO, "deploy", "native.sh"), { stdio: "pipe" });
const status = loadNative();
const addon = status.addon;
if (addon === null) console.warn(`native addon tests SKIPPED: ${status.reason}`);

const MODELS = [
  ["int8", syntheticInt8Model({ seed: 5 })],
  ["4-bit", syntheticInt4Model({ seed: 6 })],
  ["binary", syntheticBinaryModel({ seed: 7 })],
  ["imported TFLite", importTflite(readTflite(smallNet()))],
] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.skipIf(addon === null)("native addon", () => {
  it.each(MODELS)("%s model: equals the wasm SIMD path and IntEvaluator", (_name, model) => {
    if (addon === null) return;
    const native = new NativeResidentModel(model, addon);
    const wasm = new ResidentWasmModel(model, buildOutputs().wasmSimd);
    const ev = new IntEvaluator(model);
    for (let k = 0; k < 3; k++) {
      const f = Array.from({ length: ev.inputSize() }, (_, i) => 3 * Math.sin(i * 0.29 + k));
      const out = native.run(f);
      expect(out).toEqual(wasm.run(f));
      expect(out).toEqual(ev.run(f).output);
    }
  });

  // [inH, inW, inC, outC, kH, kW, stride, padTop, padLeft, largest |x - zp|]
  const CASES: [number, number, number, number, number, number, number, number, number, number][] =
    [
      [9, 7, 1, 19, 3, 3, 1, 1, 1, 255], // the first layer's shape, small
      [8, 6, 5, 17, 3, 2, 2, 1, 0, 255], // stride 2, asymmetric kernel, odd taps
      [5, 5, 3, 40, 5, 5, 1, 2, 2, 255], // three channel blocks, window larger than half the input
      [5, 4, 3, 64, 3, 3, 1, 1, 1, 255], // four full channel blocks
      [4, 4, 2, 70, 3, 3, 1, 1, 1, 255], // more than 64 channels: the portable vector loop
      [6, 5, 3, 8, 3, 3, 1, 1, 1, 40000], // inputs beyond int16: the device kernel
    ];
  it.each(
    CASES,
  )("conv2d %ix%ix%i -> %i channels, %ix%i kernel, stride %i, equals the reference", (inH, inW, inC, outC, kH, kW, stride, padTop, padLeft, span) => {
    if (addon === null) return;
    const r = rng(inH * 131 + outC);
    const outH = Math.floor((inH + 2 * padTop - kH) / stride) + 1;
    const outW = Math.floor((inW + 2 * padLeft - kW) / stride) + 1;
    const g: ConvGeometry = {
      inH,
      inW,
      inC,
      outH,
      outW,
      outC,
      kH,
      kW,
      strideH: stride,
      strideW: stride,
      padTop,
      padLeft,
    };
    const q: RequantParams = { inZp: 7, outZp: -3, actMin: -128, actMax: 127 };
    const ints = (n: number, lo: number, hi: number) =>
      Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
    const x = ints(inH * inW * inC, q.inZp - span, q.inZp + Math.min(span, 255));
    const w = ints(outC * kH * kW * inC, -128, 127);
    const bias = ints(outC, -5000, 5000);
    const mult = ints(outC, 2 ** 30, 2 ** 31 - 1).map((m, i) => (i % 5 === 4 ? -m : m));
    const shift = ints(outC, span > 255 ? 40 : 31, span > 255 ? 44 : 36);
    const want = new Array<number>(outH * outW * outC).fill(0);
    referenceKernels.conv2d(x, w, bias, mult, shift, g, q, want);
    const got = new Array<number>(want.length).fill(0);
    const arena = new ArenaBuilder();
    const spec = kernelSpec("conv2d");
    if (spec === null) throw new Error("no conv2d op");
    const args = lowerArgs(spec, [x, w, bias, mult, shift, g, q, got], arena.lowering());
    const buf = arena.finish();
    addon.infer(buf, Float64Array.from([spec.code, args.length, ...args]));
    const out = Array.from(new Int32Array(buf, arena.place(got, false), got.length));
    expect(out).toEqual(want);
    expect(new Set(out).size).toBeGreaterThan(3); // not all clamped: the test can see errors
  });

  /** Runs one kernel call through the addon; the output as numbers. */
  function viaAddon(kernel: "depthwiseConv2d" | "avgPool2d", call: unknown[], n: number): number[] {
    if (addon === null) return [];
    const got = new Array<number>(n).fill(0);
    const arena = new ArenaBuilder();
    const spec = kernelSpec(kernel);
    if (spec === null) throw new Error(`no ${kernel} op`);
    const args = lowerArgs(spec, [...call, got], arena.lowering());
    const buf = arena.finish();
    addon.infer(buf, Float64Array.from([spec.code, args.length, ...args]));
    return Array.from(new Int32Array(buf, arena.place(got, false), n));
  }

  // [kH, kW, stride, pad, channel multiplier]: multiplier 2 takes the device kernel.
  it.each([
    [3, 3, 1, 1, 1],
    [3, 3, 2, 1, 1],
    [1, 1, 1, 0, 1],
    [3, 3, 1, 1, 2],
  ])("depthwiseConv2d %ix%i stride %i pad %i multiplier %i equals the reference", (kH, kW, stride, pad, dm) => {
    const r = rng(kH * 7 + stride * 3 + dm);
    const inH = 7,
      inW = 6,
      inC = 19,
      outC = inC * dm;
    const outH = Math.floor((inH + 2 * pad - kH) / stride) + 1;
    const outW = Math.floor((inW + 2 * pad - kW) / stride) + 1;
    const g: ConvGeometry = {
      inH,
      inW,
      inC,
      outH,
      outW,
      outC,
      kH,
      kW,
      strideH: stride,
      strideW: stride,
      padTop: pad,
      padLeft: pad,
    };
    const q: RequantParams = { inZp: -5, outZp: 9, actMin: -128, actMax: 127 };
    const ints = (n: number, lo: number, hi: number) =>
      Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
    const x = ints(inH * inW * inC, -128, 127);
    const w = ints(kH * kW * outC, -128, 127);
    const bias = ints(outC, -3000, 3000);
    const mult = ints(outC, 2 ** 30, 2 ** 31 - 1);
    const shift = ints(outC, 31, 35);
    const want = new Array<number>(outH * outW * outC).fill(0);
    referenceKernels.depthwiseConv2d(x, w, bias, mult, shift, g, q, want);
    const got = viaAddon("depthwiseConv2d", [x, w, bias, mult, shift, g, q], want.length);
    expect(got).toEqual(want);
    expect(new Set(got).size).toBeGreaterThan(3);
  });

  it("avgPool2d with partial windows at padded edges equals the reference", () => {
    const r = rng(11);
    const inH = 9,
      inW = 7,
      inC = 19,
      kH = 4,
      kW = 3,
      s = 3,
      pad = 1;
    const outH = Math.floor((inH + 2 * pad - kH) / s) + 1;
    const outW = Math.floor((inW + 2 * pad - kW) / s) + 1;
    const g: ConvGeometry = {
      inH,
      inW,
      inC,
      outH,
      outW,
      outC: inC,
      kH,
      kW,
      strideH: s,
      strideW: s,
      padTop: pad,
      padLeft: pad,
    };
    const x = Array.from({ length: inH * inW * inC }, () => Math.floor(r() * 60000) - 30000);
    const clamp = { actMin: -32768, actMax: 32767 };
    const want = new Array<number>(outH * outW * inC).fill(0);
    referenceKernels.avgPool2d(x, g, clamp, want);
    expect(viaAddon("avgPool2d", [x, g, clamp], want.length)).toEqual(want);
  });

  it("refuses a malformed plan before running any of it", () => {
    if (addon === null) return;
    const buf = new ArrayBuffer(64);
    expect(() => addon.infer(buf, Float64Array.from([99, 0]))).toThrow(/unknown op/);
    expect(() => addon.infer(buf, Float64Array.from([2, 3, 0, 0, 0]))).toThrow(/wrong number/);
    expect(() => addon.infer(buf, Float64Array.from([2, 8, 0]))).toThrow(/ends inside/);
  });
});

describe("fallback to the wasm kernels", () => {
  it("runs the wasm path, with the same outputs, when there is no addon", () => {
    const model = MODELS[0][1];
    const m = openHostIntModel(model, null);
    expect(m.path).toBe("wasm-simd");
    const ev = new IntEvaluator(model);
    const f = Array.from({ length: ev.inputSize() }, (_, i) => Math.cos(i * 0.17));
    expect(m.run(f)).toEqual(ev.run(f).output);
  });

  it("does not load the addon when switched off, not built, or stale", () => {
    expect(loadNative({ EARSHOT_NATIVE: "0" })).toEqual({
      addon: null,
      reason: "EARSHOT_NATIVE=0",
    });
    const empty = mkdtempSync(join(tmpdir(), "earshot-native-"));
    expect(loadNative({ EARSHOT_NATIVE_CACHE: empty }).addon).toBeNull();
    if (status.addon === null) return;
    const stale = mkdtempSync(join(tmpdir(), "earshot-native-"));
    copyFileSync(status.file, join(stale, "earshot.node"));
    writeFileSync(join(stale, "earshot.node.key"), "0123456789abcdef other words");
    const s = loadNative({ EARSHOT_NATIVE_CACHE: stale });
    expect(s.addon).toBeNull();
    expect(s.addon === null && s.reason).toMatch(/stale/);
  });
});
