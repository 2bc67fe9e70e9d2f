/**
 * `npm run bench:device`: instruction counts (valgrind --tool=callgrind, repeatable on a noisy
 * machine) of the Duktape host, with the C kernels and with the pure-JS kernels of the same
 * ES5 bundle, plus arena planning quality. Layer costs are differences between runs with 1 and
 * N repetitions, so start-up and data generation cancel out; the stream cost is the difference
 * between 2 s and 1 s of audio (front end + res8-narrow-sized int8 every 100 ms + smoothing).
 * Streaming inference (device/runtime/incremental.ts) on res8-stream, res8-narrow's time-causal
 * twin: 3 s minus 2 s (both runs hold the one whole-window inference that starts the state, so
 * the difference is ten strides of new rows only), beside the same model run whole every stride
 * and the front end alone (no inference), on the Duktape host with C kernels and on
 * jerryscript-native when built, and the shipped streaming model (models/kws12-int8-stream.esm,
 * `streaming_shipped_jerryscript_native`) there too. Not in pure JS: ~10G instructions per audio second there
 * (Duktape's typed-array loops), which callgrind takes many minutes to count.
 * Then the device engines (bench/device/engines.ts: `engines`, the micro_speech comparison with
 * Espruino's TFLM, `es5_bundle_bytes`, `es5_tflm_bundle_bytes`, `es5_native_bundle_bytes`, and the two with streaming inference); under a
 * loaded machine the Espruino runs take minutes.
 * Prints a table, then one JSON line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeEnginePath } from "../../device/engines/native-engines";
import { BUILD_DIR, buildOutputs, DEVICE_DIR } from "../../device/engines/paths";
import { type RunOptions, runEngine } from "../../device/engines/run";
import { Detector } from "../../device/runtime/detector";
import { Interpreter } from "../../device/runtime/interpreter";
import { plainMemory } from "../../device/runtime/memory";
import { buildDevice } from "../../device/tools/build";
import { SHIPPED } from "../../host/models/shipped";
import { referenceKernels } from "../../shared/kernels/reference";
import { encodeModel } from "../../shared/model-format/encode";
import { arenaStudy } from "./arena";
import { deviceEngineFigures } from "./engines";
import { res8NarrowModel, res8StreamModel } from "./res8-model";

const ROOT = join(DEVICE_DIR, "..");
const BIN = join(ROOT, "node_modules", ".bin");
const KERNEL_BUNDLE = join(BUILD_DIR, "bench-kernels.js");
const tmp = mkdtempSync(join(tmpdir(), "earshot-bench-"));

function buildKernelBundle(): void {
  execFileSync(join(BIN, "tsc"), ["-p", "bench/device/tsconfig.es5.json"], { cwd: ROOT });
  execFileSync(
    join(BIN, "esbuild"),
    [
      join(BUILD_DIR, "bench-tsc/bench/device/kernel-entry.js"),
      "--bundle",
      "--format=iife",
      "--target=es5",
      "--minify",
      "--log-level=warning",
      `--outfile=${KERNEL_BUNDLE}`,
    ],
    { cwd: ROOT },
  );
}

/** Instructions executed by the Duktape host on these arguments. */
function instructions(args: string[]): number {
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", buildOutputs().duktapeHost, ...args],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`callgrind failed: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

const dummy = join(tmp, "empty.bin");
writeFileSync(dummy, new Uint8Array(0));

/** Instructions per MAC of one layer: (instr(reps=n) - instr(reps=1)) / ((n - 1) * macs). */
function perMac(op: string, h: number, w: number, c: number, natives: boolean, n: number): number {
  const run = (reps: number) =>
    instructions([
      KERNEL_BUNDLE,
      dummy,
      dummy,
      "0",
      `${op},${reps},${h},${w},${c}`,
      natives ? "1" : "0",
    ]);
  const macs = h * w * c * c * 9;
  return (run(n) - run(1)) / ((n - 1) * macs);
}

function signal(seconds: number): Int16Array {
  const n = Math.round(seconds * 16000);
  const out = new Int16Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = Math.round(5000 * Math.sin(i * 0.07) + (s % 4000) - 2000);
  }
  return out;
}

function streamInstructions(modelPath: string, seconds: number, settings = ""): number {
  const path = join(tmp, `audio-${seconds}.s16`);
  const s = signal(seconds);
  writeFileSync(path, new Uint8Array(s.buffer));
  return instructions([buildOutputs().es5, modelPath, path, "0", settings]);
}

/** One more second of audio, in steady state: 3 s minus 2 s. */
function perAudioSecond(modelPath: string, settings: string): number {
  return streamInstructions(modelPath, 3, settings) - streamInstructions(modelPath, 2, settings);
}

interface StreamingFigures {
  streaming_instr_per_audio_second: number;
  streaming_whole_instr_per_audio_second: number;
  front_end_instr_per_audio_second: number;
  /**
   * The same stream from the model's device image, replayed by the bundle a streaming device
   * ships (earshot-device-image-stream-plan.js: no whole-window run or arena), and the heap
   * peaks of both runs (3 s of audio).
   */
  streaming_image_instr_per_audio_second: number;
  streaming_peak_bytes: number;
  streaming_image_peak_bytes: number;
}

/** The same figures on jerryscript-native (C kernels in the JerryScript host), when built. */
async function jerryStreaming(model: Uint8Array): Promise<StreamingFigures | undefined> {
  if (nativeEnginePath("jerryscript-native") === null) return undefined;
  const per = async (o: RunOptions) => {
    const run = async (s: number) =>
      (await runEngine("jerryscript-native", model, signal(s), { ...o, callgrind: true }))
        .instructions ?? 0;
    return (await run(3)) - (await run(2));
  };
  const peak = async (o: RunOptions) =>
    (await runEngine("jerryscript-native", model, signal(3), { ...o, memStats: true })).peakBytes ??
    0;
  return {
    streaming_instr_per_audio_second: await per({}),
    streaming_whole_instr_per_audio_second: await per({ incremental: false }),
    front_end_instr_per_audio_second: await per({ strideFrames: 1000 }),
    streaming_image_instr_per_audio_second: await per({ image: true }),
    streaming_peak_bytes: await peak({}),
    streaming_image_peak_bytes: await peak({ image: true }),
  };
}

function fmt(x: number, digits = 2): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x.toFixed(digits);
}

try {
  buildDevice();
  buildKernelBundle();
  const modelPath = join(tmp, "res8.bin");
  const res8 = res8NarrowModel();
  writeFileSync(modelPath, Uint8Array.from(encodeModel(res8)));
  const res8Macs = new Interpreter(res8, referenceKernels, plainMemory).macs[0];

  // Each ratio compares C and pure JS on the same layer; the res8-sized layers run in C only
  // (pure JS there would take minutes under callgrind).
  const small = { int8: [5, 5, 8], bin: [5, 5, 64] } as const;
  const int8C = perMac("conv", 25, 10, 19, true, 3);
  const int8SmallC = perMac("conv", ...small.int8, true, 3);
  const int8Js = perMac("conv", ...small.int8, false, 2);
  const binC = perMac("bconv", 25, 10, 128, true, 3);
  const binSmallC = perMac("bconv", ...small.bin, true, 3);
  const binJs = perMac("bconv", ...small.bin, false, 2);
  const perSecond = streamInstructions(modelPath, 2) - streamInstructions(modelPath, 1);
  const streamPath = join(tmp, "res8-stream.bin");
  const res8s = res8StreamModel();
  writeFileSync(streamPath, Uint8Array.from(encodeModel(res8s)));
  const streamMacs = new Interpreter(res8s, referenceKernels, plainMemory).macs[0];
  const det = new Detector(res8s, referenceKernels, plainMemory, () => 0, null, null, true);
  const strideMacs = det.incremental === null ? 0 : det.incremental.macsPerStride;
  // Settings: the stride far past the audio (no inference: the front end alone); streaming
  // inference off (the whole window every stride).
  const stream = {
    c: perAudioSecond(streamPath, ""),
    cWhole: perAudioSecond(streamPath, ",,,,,0"),
    cFrontEnd: perAudioSecond(streamPath, ",,1000,"),
  };
  const jerry = await jerryStreaming(Uint8Array.from(encodeModel(res8s)));
  // The shipped streaming model itself (trained weights, its own network: models/README.md).
  const shippedStream = existsSync(SHIPPED.int8Stream)
    ? await jerryStreaming(new Uint8Array(readFileSync(SHIPPED.int8Stream)))
    : undefined;
  const arena = arenaStudy(40, 7);
  const device = await deviceEngineFigures(tmp);

  const rows: [string, string, string, string][] = [
    ["int8 MAC (3x3 conv 25x10x19)", fmt(int8C), "-", "<= 3"],
    [`int8 MAC (3x3 conv ${small.int8.join("x")})`, fmt(int8SmallC), fmt(int8Js), ""],
    ["binary MAC (3x3 XNOR conv 25x10x128)", fmt(binC, 3), "-", "<= 0.15"],
    [`binary MAC (3x3 XNOR conv ${small.bin.join("x")})`, fmt(binSmallC, 3), fmt(binJs, 3), ""],
    ["per audio second (res8-narrow every 100 ms)", fmt(perSecond), "-", "<= 20M"],
    ["per audio second (res8-stream, new rows per 100 ms)", fmt(stream.c), "-", "<= 20M"],
    ["  of which the front end alone (no inference)", fmt(stream.cFrontEnd), "-", ""],
    ["per audio second (res8-stream, whole window per 100 ms)", fmt(stream.cWhole), "-", ""],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    `${"instructions (callgrind)".padEnd(w0)}  ${"C intrinsics".padStart(12)}  ${"pure JS".padStart(10)}  target\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r[0].padEnd(w0)}  ${r[1].padStart(12)}  ${r[2].padStart(10)}  ${r[3]}\n`,
    );
  }
  process.stdout.write(
    `pure JS / C on the same layer: per int8 MAC (${small.int8.join("x")}) ${fmt(int8Js / int8SmallC, 0)}x; per binary MAC (${small.bin.join("x")}) ${fmt(binJs / binSmallC, 0)}x\n`,
  );
  process.stdout.write(
    `stream: ${fmt(res8Macs)} int8 MACs per inference x 10/s = ${fmt(10 * res8Macs)} MACs/s; at ${fmt(int8C)} instr/MAC the network alone is ${fmt(10 * res8Macs * int8C)} instr/s, so 20M/s would need <= ${fmt(20e6 / (10 * res8Macs))} instr/MAC overall\n`,
  );
  process.stdout.write(
    `streaming: res8-stream ${fmt(streamMacs)} int8 MACs whole, ${fmt(strideMacs, 0)} per 100 ms stride = ${fmt(10 * strideMacs)} MACs/s (res8-narrow ${fmt(10 * res8Macs)}); its network ${fmt(stream.c - stream.cFrontEnd)} instr/s on the Duktape host with C kernels\n`,
  );
  if (jerry !== undefined) {
    const j = jerry;
    process.stdout.write(
      `jerryscript-native, res8-stream per audio second: ${fmt(j.streaming_instr_per_audio_second)} streaming (front end alone ${fmt(j.front_end_instr_per_audio_second)}), ${fmt(j.streaming_whole_instr_per_audio_second)} whole window every stride; from its device image (planned streaming bundle) ${fmt(j.streaming_image_instr_per_audio_second)}; heap peak ${(j.streaming_peak_bytes / 1024).toFixed(1)} KB, from the image ${(j.streaming_image_peak_bytes / 1024).toFixed(1)} KB\n`,
    );
  }
  if (shippedStream !== undefined) {
    const j = shippedStream;
    process.stdout.write(
      `jerryscript-native, models/kws12-int8-stream.esm per audio second: ${fmt(j.streaming_instr_per_audio_second)} streaming (front end alone ${fmt(j.front_end_instr_per_audio_second)}), from its device image ${fmt(j.streaming_image_instr_per_audio_second)} (goal <= 20M: ${j.streaming_image_instr_per_audio_second <= 20e6 ? "met" : "NOT met"}); heap peak ${(j.streaming_peak_bytes / 1024).toFixed(1)} KB, from the image ${(j.streaming_image_peak_bytes / 1024).toFixed(1)} KB\n`,
    );
  }
  process.stdout.write(
    `arena (greedy by size vs exhaustive optimum, 40 random 7-buffer graphs): mean ${arena.mean.toFixed(3)}x, worst ${arena.worst.toFixed(3)}x, optimal in ${(arena.optimalShare * 100).toFixed(0)}%\n`,
  );
  for (const [name, f] of Object.entries(device.engines)) {
    process.stdout.write(
      `${name}: ${fmt(f.instr_per_audio_second)} instr per audio second (small int8 model, stride 2), peak ${(f.peak_bytes / 1024).toFixed(1)} KB\n`,
    );
    if (f.shipped_instr_per_audio_second !== undefined)
      process.stdout.write(
        `${name}: ${fmt(f.shipped_instr_per_audio_second)} instr per audio second (models/kws12-int8.esm, stride 10), peak ${((f.shipped_peak_bytes ?? 0) / 1024).toFixed(1)} KB\n`,
      );
    if (f.shipped_image_load_instr !== undefined)
      process.stdout.write(
        `${name}: models/kws12-int8.esm load ${fmt(f.shipped_load_instr ?? 0)} instr from the file, ${fmt(f.shipped_image_load_instr)} from its device image; image run peak ${((f.shipped_image_peak_bytes ?? 0) / 1024).toFixed(1)} KB\n`,
      );
  }
  if (device.tflm_espruino_instr_per_inference !== undefined) {
    const t = device.tflm_espruino_instr_per_inference;
    const e = device.earshot_espruino_instr_per_inference ?? 0;
    process.stdout.write(
      `micro_speech on Espruino, instr per inference: TFLM ${fmt(t)}, earshot (espruino-native) ${fmt(e)} (${(e / t).toFixed(2)}x)\n`,
    );
  }
  process.stdout.write(
    `ES5 bundle: ${(device.es5_bundle_bytes / 1024).toFixed(1)} KB device profile (goal <= 24 KB), ${(device.es5_tflm_bundle_bytes / 1024).toFixed(1)} KB its tflm-micro variant, ${(device.es5_native_bundle_bytes / 1024).toFixed(1)} KB the native hosts' (no JS kernels); with streaming inference ${(device.es5_stream_bundle_bytes / 1024).toFixed(1)} and ${(device.es5_native_stream_bundle_bytes / 1024).toFixed(1)} KB; loading device images ${device.es5_image_bundle_bytes} bytes whole-window and ${device.es5_image_stream_plan_bundle_bytes} planned streaming (what a device ships; goal <= 24,000: ${Math.max(device.es5_image_bundle_bytes, device.es5_image_stream_plan_bundle_bytes) <= 24_000 ? "met" : "NOT met"}), ${(device.es5_image_stream_bundle_bytes / 1024).toFixed(1)} KB the full image one (traces, streaming off, any stride); ${(device.es5_full_bundle_bytes / 1024).toFixed(1)} KB full\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ instr_per_int8_mac: Number(int8C.toFixed(3)), instr_per_binary_mac: Number(binC.toFixed(4)), instr_per_audio_second: Math.round(perSecond), streaming_instr_per_audio_second: stream.c, streaming_whole_instr_per_audio_second: stream.cWhole, front_end_instr_per_audio_second: stream.cFrontEnd, streaming_macs_per_stride: strideMacs, streaming_jerryscript_native: jerry, streaming_shipped_jerryscript_native: shippedStream, engines: device.engines, tflm_espruino_instr_per_inference: device.tflm_espruino_instr_per_inference, earshot_espruino_instr_per_inference: device.earshot_espruino_instr_per_inference, es5_bundle_bytes: device.es5_bundle_bytes, es5_tflm_bundle_bytes: device.es5_tflm_bundle_bytes, es5_native_bundle_bytes: device.es5_native_bundle_bytes, es5_stream_bundle_bytes: device.es5_stream_bundle_bytes, es5_native_stream_bundle_bytes: device.es5_native_stream_bundle_bytes, es5_full_bundle_bytes: device.es5_full_bundle_bytes, es5_image_bundle_bytes: device.es5_image_bundle_bytes, es5_image_stream_bundle_bytes: device.es5_image_stream_bundle_bytes, es5_image_stream_plan_bundle_bytes: device.es5_image_stream_plan_bundle_bytes })}\n`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
