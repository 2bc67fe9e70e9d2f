/**
 * bench:device figures for the device engines deploy/engines.sh builds: instructions per audio
 * second under callgrind (the difference between two clip lengths, so start-up and model load
 * cancel) and peak memory (JerryScript: its heap's peak from `--mem-stats`; the JerryScript host:
 * its heap's peak; wasm3 (that host with the kernels in wasm3): its heap's peak plus the wasm
 * kernels' linear memory; Espruino: the most variables in use at an audio chunk, times their size). A
 * small int8 model (the parity tests' synthetic one, stride 2): these engines interpret the
 * runtime, and a res8-narrow-sized model under callgrind would take many minutes. Engines not
 * built are left out (named on stderr); so is plain `espruino`, whose pure-JS kernels take
 * about 90 s per audio second natively (hours under callgrind).
 *
 * The TFLM peer on Espruino: micro_speech (336k MACs) run by Espruino's built-in TFLM
 * (instructions per invoke: 6 invokes minus 1) and by earshot on espruino-native (the .tflite
 * imported, given a 40-mel LFBE front end of its 49 x 40 input; instructions per inference: the
 * same clip at stride 1 minus stride 2, divided by the inferences that differ, so model load and
 * the front end cancel).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deviceInputScripts, jerryScriptArgs } from "../../device/engines/device-input";
import {
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
  REPO_DIR,
} from "../../device/engines/native-engines";
import { buildOutputs } from "../../device/engines/paths";
import { runEngine } from "../../device/engines/run";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { importTflite } from "../../host/interop/tflite/import";
import { readTflite } from "../../host/interop/tflite/schema";
import { encodeModel } from "../../shared/model-format/encode";

export interface EngineFigures {
  instr_per_audio_second: number;
  peak_bytes: number;
  /**
   * The shipped `models/kws12-int8.esm` (res8-narrow, input normalization) at its 10-frame
   * stride: instructions per audio second (3 s minus 2 s of audio) and peak memory. The small
   * model above has no input normalization, so this is the figure a deployed model gives.
   */
  shipped_instr_per_audio_second?: number;
  shipped_peak_bytes?: number;
  /**
   * Its load (and 10 ms of audio), counted from the engine's start, from the model file and
   * from its device image (earshot-device-image.js), and the image run's peak memory.
   */
  shipped_load_instr?: number;
  shipped_image_load_instr?: number;
  shipped_image_peak_bytes?: number;
}

export const SHIPPED_MODEL = join(REPO_DIR, "models", "kws12-int8.esm");

function clip(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++)
    out[i] = Math.round(6000 * Math.sin(i * 0.05) + ((i * 7919) % 2000) - 1000);
  return out;
}

/** Instructions callgrind counts for `cmd args`, and the process's output. */
function callgrind(cmd: string, args: string[]): { instr: number; stdout: string } {
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", cmd, ...args],
    {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`callgrind ${cmd} failed: ${r.stderr.slice(-400)}`);
  // jerry's --mem-stats goes to stderr, beside valgrind's own lines.
  return { instr: Number(m[1]), stdout: `${r.stdout}\n${r.stderr}` };
}

function jerryRun(tmp: string, seconds: number): { instr: number; peak: number } {
  const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
  const scripts = deviceInputScripts(model, clip(Math.round(16000 * seconds)), false, ",,2,");
  const args = jerryScriptArgs(tmp, `jerry-${seconds}-`, scripts, buildOutputs().es5Device);
  const bin = nativeEnginePath("jerryscript") as string;
  const r = callgrind(bin, ["--mem-stats", ...args]);
  const peak = /Peak allocated = (\d+) bytes/.exec(r.stdout);
  if (!peak || !/^P /m.test(r.stdout))
    throw new Error(`jerry run failed:\n${r.stdout.slice(-400)}`);
  return { instr: r.instr, peak: Number(peak[1]) };
}

const log = (s: string) => process.stderr.write(`bench:device: ${s}\n`);

/** An engine run by device/engines/run.ts: callgrind's count, or (memStats) the peak. */
async function measured(
  engine: NativeEngine & ("espruino-native" | "jerryscript-native" | "wasm3"),
  model: Uint8Array,
  samples: Int16Array,
  strideFrames: number,
  how: {
    /** The peak instead of callgrind's count. */
    memStats?: boolean;
    /** Send the model's device image (RunOptions.image). */
    image?: boolean;
    /** Count from the engine's start, the load included (Espruino's too). */
    fromStart?: boolean;
  } = {},
): Promise<{ instr: number; peak: number; inferences: number }> {
  const memStats = how.memStats === true;
  const image = how.image === true;
  const fromStart = how.fromStart === true;
  const r = await runEngine(engine, model, samples, {
    strideFrames,
    callgrind: !memStats,
    // Espruino's model load runs uninstrumented (it cancels in every difference taken here).
    countFromStream: !memStats && !fromStart && engine === "espruino-native",
    memStats,
    image,
  });
  return { instr: r.instructions ?? 0, peak: r.peakBytes ?? 0, inferences: r.scores.length };
}

/** The engines with natives: instructions per audio second (1 s minus 0.5 s) and peak memory. */
export async function nativeEngineFigures(
  engine: "espruino-native" | "jerryscript-native" | "wasm3",
): Promise<EngineFigures> {
  const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
  log(`${engine}: callgrind on 0.5 s and 1 s of audio ...`);
  const short = await measured(engine, model, clip(8000), 2);
  const long = await measured(engine, model, clip(16000), 2);
  const mem = await measured(engine, model, clip(16000), 2, { memStats: true });
  const figures: EngineFigures = {
    instr_per_audio_second: Math.round((long.instr - short.instr) / 0.5),
    peak_bytes: mem.peak,
  };
  if (!existsSync(SHIPPED_MODEL)) {
    log(`SKIPPED the shipped model's figures: ${SHIPPED_MODEL} missing`);
    return figures;
  }
  log(`${engine}: callgrind on models/kws12-int8.esm, 2 s and 3 s of audio ...`);
  const shipped = new Uint8Array(readFileSync(SHIPPED_MODEL));
  const two = await measured(engine, shipped, clip(32000), 10);
  const three = await measured(engine, shipped, clip(48000), 10);
  const shippedMem = await measured(engine, shipped, clip(48000), 10, { memStats: true });
  figures.shipped_instr_per_audio_second = three.instr - two.instr;
  figures.shipped_peak_bytes = shippedMem.peak;
  // The same model as a device image (earshot-device-image.js): the load (10 ms of audio,
  // counted from the start) and the peak, beside the model file's.
  log(`${engine}: models/kws12-int8.esm loaded from the file and from its device image ...`);
  const tick = clip(160);
  figures.shipped_load_instr = (
    await measured(engine, shipped, tick, 10, { fromStart: true })
  ).instr;
  figures.shipped_image_load_instr = (
    await measured(engine, shipped, tick, 10, { image: true, fromStart: true })
  ).instr;
  figures.shipped_image_peak_bytes = (
    await measured(engine, shipped, clip(48000), 10, { memStats: true, image: true })
  ).peak;
  return figures;
}

export const MICRO_SPEECH = join(
  REPO_DIR,
  "..",
  "shared",
  "peers",
  "tflm-micro-speech",
  "micro_speech_quantized.tflite",
);

/** Instructions per invoke of Espruino's TFLM on micro_speech (6 invokes minus 1). */
export function tflmEspruinoPerInference(tmp: string, tflite: Uint8Array): number {
  const run = (invokes: number) => {
    const file = join(tmp, `tflm-${invokes}.js`);
    writeFileSync(
      file,
      // 20 KB arena: micro_speech needs about 10 KB; 40 KB fails to allocate as one flat string here.
      `var tf=require("tensorflow").create(20000,E.toFlatString(atob("${Buffer.from(tflite).toString("base64")}")));var inp=tf.getInput();for(var i=0;i<inp.length;i++)inp[i]=(i*37)%256-128;for(var k=0;k<${invokes};k++)tf.invoke();print("done "+tf.getOutput().length);\n`,
    );
    const r = callgrind(nativeEnginePath("espruino") as string, [file]);
    if (!/done \d+/.test(r.stdout)) throw new Error(`tflm run failed:\n${r.stdout.slice(-400)}`);
    return r.instr;
  };
  return Math.round((run(6) - run(1)) / 5);
}

/** Instructions per inference of earshot on espruino-native on micro_speech. */
export async function earshotEspruinoPerInference(tflite: Uint8Array): Promise<number> {
  const model = importTflite(readTflite(tflite), { labels: ["silence", "unknown", "yes", "no"] });
  // micro_speech's input is 49 frames x 40 features of 30 ms every 20 ms: an LFBE front end of
  // that shape (kind 1); its cost cancels in the difference below.
  const fe: [string, number][] = [
    ["kind", 1],
    ["sampleRate", 16000],
    ["windowMs", 30],
    ["hopMs", 20],
    ["fftSize", 512],
    ["nMels", 40],
    ["fMin", 20],
    ["fMax", 4000],
    ["nCoeffs", 40],
    ["logFloor", 1e-6],
  ];
  model.frontEnd = fe.map(([key, value]) => ({ key, value }));
  const bytes = Uint8Array.from(encodeModel(model));
  const audio = clip(Math.round(16000 * 1.2));
  log("earshot on espruino-native, micro_speech: callgrind at stride 1 and 2 ...");
  const every = await measured("espruino-native", bytes, audio, 1);
  const half = await measured("espruino-native", bytes, audio, 2);
  return Math.round((every.instr - half.instr) / (every.inferences - half.inferences));
}

/**
 * Per-engine figures, the TFLM comparison on Espruino, and the ES5 bundle's size: the device
 * profile the device engines run for MFCC / LFBE models (es5_bundle_bytes), the one for TFLite
 * Micro models (es5_tflm_bundle_bytes), the MFCC / LFBE one without JS kernels that the native
 * hosts run (es5_native_bundle_bytes: espruino-native, jerryscript-native, wasm3), the same two
 * with streaming inference, which the hosts give models that can stream
 * (es5_stream_bundle_bytes, es5_native_stream_bundle_bytes), the native ones loading device
 * images (es5_image_bundle_bytes, es5_image_stream_bundle_bytes, and the planned streaming one
 * a streaming device ships: es5_image_stream_plan_bundle_bytes), and the full bundle
 * (es5_full_bundle_bytes).
 */
export async function deviceEngineFigures(tmp: string): Promise<{
  engines: Record<string, EngineFigures>;
  es5_bundle_bytes: number;
  es5_tflm_bundle_bytes: number;
  es5_native_bundle_bytes: number;
  es5_stream_bundle_bytes: number;
  es5_native_stream_bundle_bytes: number;
  es5_full_bundle_bytes: number;
  es5_image_bundle_bytes: number;
  es5_image_stream_bundle_bytes: number;
  es5_image_stream_plan_bundle_bytes: number;
  tflm_espruino_instr_per_inference?: number;
  earshot_espruino_instr_per_inference?: number;
}> {
  const engines: Record<string, EngineFigures> = {};
  for (const engine of ["jerryscript-native", "wasm3", "espruino-native"] as const) {
    if (nativeEnginePath(engine) !== null) engines[engine] = await nativeEngineFigures(engine);
    else process.stderr.write(`${missingEngineNote(engine)}\n`);
  }
  let tflm: number | undefined;
  let earshot: number | undefined;
  if (!existsSync(MICRO_SPEECH)) log(`SKIPPED the TFLM comparison: ${MICRO_SPEECH} missing`);
  else if (nativeEnginePath("espruino") === null || nativeEnginePath("espruino-native") === null)
    log("SKIPPED the TFLM comparison: espruino and espruino-native must be built");
  else {
    const tflite = new Uint8Array(readFileSync(MICRO_SPEECH));
    tflm = tflmEspruinoPerInference(tmp, tflite);
    earshot = await earshotEspruinoPerInference(tflite);
  }
  if (nativeEnginePath("jerryscript") !== null) {
    const short = jerryRun(tmp, 0.5);
    const long = jerryRun(tmp, 1);
    engines.jerryscript = {
      instr_per_audio_second: Math.round((long.instr - short.instr) / 0.5),
      peak_bytes: long.peak,
    };
  } else process.stderr.write(`${missingEngineNote("jerryscript")}\n`);
  return {
    engines,
    es5_bundle_bytes: readFileSync(buildOutputs().es5Device).length,
    es5_tflm_bundle_bytes: readFileSync(buildOutputs().es5DeviceTflm).length,
    es5_native_bundle_bytes: readFileSync(buildOutputs().es5DeviceNative).length,
    es5_stream_bundle_bytes: readFileSync(buildOutputs().es5DeviceStream).length,
    es5_native_stream_bundle_bytes: readFileSync(buildOutputs().es5DeviceNativeStream).length,
    es5_full_bundle_bytes: readFileSync(buildOutputs().es5).length,
    es5_image_bundle_bytes: readFileSync(buildOutputs().es5DeviceImage).length,
    es5_image_stream_bundle_bytes: readFileSync(buildOutputs().es5DeviceImageStream).length,
    es5_image_stream_plan_bundle_bytes: readFileSync(buildOutputs().es5DeviceImageStreamPlan)
      .length,
    tflm_espruino_instr_per_inference: tflm,
    earshot_espruino_instr_per_inference: earshot,
  };
}
