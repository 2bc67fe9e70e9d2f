/**
 * Runs a model over int16 samples on one engine and returns the parsed result (host side).
 * node / node-wasm run the runtime in this process; duk, duktape-host and lua run the built
 * bundles (npm run build:device) as child processes, fed through temp files. The device engines
 * run the device profile of the ES5 bundle (earshot-device.js, or earshot-device-tflm.js for a
 * TFLite Micro front end: device-bundle.ts; no SHA-256, structural checks only), so, as a deployment does before it sends a model, the host first validates the model in
 * full (the Node engine's load) and refuses it there with the same message.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EarshotError } from "../../shared/errors";
import { referenceKernels } from "../../shared/kernels/reference";
import { ModelFormatError } from "../../shared/model-format/errors";
import { arraySource, exactNumberText, type StreamSession, startStream } from "../app/run-stream";
import { KIND_TFLM_MICRO } from "../runtime/frontend-config";
import { KernelRegistry } from "../runtime/intrinsics";
import { plainMemory } from "../runtime/memory";
import { deviceBundleFor, frontEndKindOf, NATIVE_KERNEL_ENGINES } from "./device-bundle";
import {
  deviceInputScripts,
  ESPRUINO_COUNT_FROM_STREAM,
  ESPRUINO_MEMORY_PROBE,
  ESPRUINO_MEMORY_REPORT,
  ESPRUINO_NATIVE_KERNELS,
  ESPRUINO_RUN_FROM_STORAGE,
  espruinoPrelude,
  espruinoUpload,
  jerryScriptArgs,
  reconfigureScript,
  stripEspruinoConsole,
} from "./device-input";
import { plannedImage } from "./image-plan";
import { formatJsProfile, gdbSamplerScript, jsProfile, samplesOf } from "./js-profile";
import { DEVICE_ENGINES, type EngineName } from "./names";
import {
  JERRY_HEAP_KB,
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
} from "./native-engines";
import { BUILD_DIR, buildOutputs } from "./paths";
import { EngineError, type EngineResult, parseEngineOutput } from "./protocol";

export { DEVICE_ENGINES, ENGINES, type EngineName } from "./names";

export interface RunOptions {
  /** Print per-layer outputs and input windows (golden comparison). */
  trace?: boolean;
  /** Run-time overrides; absent fields keep the model's defaults. */
  threshold?: number;
  smoothingWindow?: number;
  strideFrames?: number;
  suppressionMs?: number;
  /**
   * New detector settings from sample `atSample` on (absent fields keep the current value),
   * through the bundle's EARSHOT_INPUT.configure as a device applies a signed setThreshold
   * command: node and the engines that run the ES5 bundle from a script (duk, espruino*,
   * jerryscript); the C embedding hosts (which feed the audio from C) and Lua refuse it.
   */
  reconfigure?: {
    atSample: number;
    threshold?: number;
    smoothingWindow?: number;
    strideFrames?: number;
    suppressionMs?: number;
  };
  /** duktape-host, jerryscript-native, wasm3: run without registering the natives (pure JS). */
  noNatives?: boolean;
  /**
   * Peak memory as an `M` line (result.peakBytes): jerryscript-native its heap's peak, wasm3
   * that plus the wasm kernels' linear memory,
   * espruino-native / espruino-budget the most variables in use at a chunk boundary (after a
   * GC) times their size; jerryscript prints its statistics (stderr).
   */
  memStats?: boolean;
  /** Run the engine under valgrind's callgrind; result.instructions is the count (bench). */
  callgrind?: boolean;
  /**
   * espruino-native with callgrind: count only from the first audio read (its model load runs
   * uninstrumented, several times faster: a load costs billions of instructions there).
   */
  countFromStream?: boolean;
  /**
   * With callgrind: keep callgrind's profile in this file (`%p` in the name becomes each engine
   * process's id; a run spawns one process per engine call) for callgrind_annotate.
   */
  profileOut?: string;
  /**
   * espruino-native: run under gdb and write a token-sampled profile of the runtime's JS to this
   * file (js-profile.ts; result.jsProfile holds it too), sampling every `jsProfileEvery` (500)
   * lexer tokens from the first audio read.
   */
  jsProfileOut?: string;
  jsProfileEvery?: number;
  /**
   * false: run the whole network on a float window at every stride (the reference mode);
   * default true: the device's streaming mode (quantized frame ring, banded conv + pool).
   * A trace always runs streaming off.
   */
  streaming?: boolean;
  /**
   * false: with streaming on, still run the whole network at every stride; default true: each
   * stride computes only new rows where the model allows (device/runtime/incremental.ts).
   */
  incremental?: boolean;
  /**
   * Device engines: validate the model on the host first (default true). false hands the bytes
   * straight to the device bundle's own structural checks (tests of what a device does with a
   * file no host checked).
   */
  hostCheck?: boolean;
  /**
   * espruino-native, jerryscript-native, wasm3 (natives on): send a device image
   * (shared/model-format/image-write.ts) instead of the model file, to the image bundle
   * (earshot-device-image.js), which carries no decoder or graph checks. The host makes the
   * image, so a model it cannot decode is refused on the host whatever `hostCheck` says.
   */
  image?: boolean;
}

/** Instructions counted by callgrind across the engine processes of one runEngine call. */
let counted: number | null = null;
/** Extra valgrind options for this runEngine call. */
let valgrindExtra: string[] = [];
/** Where callgrind writes its profile for this runEngine call. */
let profileFile = "/dev/null";
/** With a JS profile: where the engine's gdb command file and log go, and the sampling step. */
let gdbSampling: { script: string; log: string; every: number } | null = null;

// The reconfigure fields are the run's own detector overrides. Derived from it rather than
// spelled as string literals: the mangle plan keeps any name a host file spells (device-profiles).
type DetectorFields = Omit<NonNullable<RunOptions["reconfigure"]>, "atSample">;

/**
 * The settings text's detector fields (absent: empty, the current value kept). Bit patterns
 * for non-integers: Espruino parses decimal text to a neighbouring double.
 */
function fieldsText(o: DetectorFields): string {
  const f = [o.threshold, o.smoothingWindow, o.strideFrames, o.suppressionMs];
  return f.map((v) => (v === undefined ? "" : exactNumberText(v))).join(",");
}

/** RunOptions.reconfigure's settings text, or "" when there is none. */
function reconfigureText(o: RunOptions): string {
  return o.reconfigure === undefined ? "" : fieldsText(o.reconfigure);
}

function settingsText(o: RunOptions): string {
  const off = o.streaming === false ? "0" : "";
  const streaming = o.incremental === false ? `,${off},0` : off === "" ? "" : ",0";
  const fields = fieldsText(o);
  return fields === ",,," && streaming === "" ? "" : fields + streaming;
}

/** The engines that run on JerryScript, whose heap is fixed (JERRY_HEAP_KB). */
const JERRY_HOSTED: EngineName[] = ["jerryscript", "jerryscript-native", "wasm3"];

/**
 * Runs `parse`; an `X` line without a message is explained: on JerryScript that is the
 * RangeError it throws, message empty, when its heap cannot hold an allocation.
 */
function withHeapHint<T>(engine: EngineName, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof EngineError) || e.message !== "") throw e;
    throw new EngineError(
      JERRY_HOSTED.includes(engine)
        ? `an error without a message: JerryScript's heap (${JERRY_HEAP_KB} KB in this build) could not hold an allocation; the model's arena, constants and buffers together need more than it has`
        : `${engine} failed with an error that has no message`,
    );
  }
}

/** Raised when an engine's build output or interpreter is missing. */
export class EngineUnavailableError extends EarshotError {
  constructor(message: string) {
    super("engine-unavailable", message);
    this.name = "EngineUnavailableError";
  }
}

/**
 * The device image of `model`, its stride program recorded at `strideFrames` (absent: the
 * model's); a model the host cannot decode is refused here (EngineError).
 */
function imageOf(
  model: Uint8Array,
  strideFrames?: number,
): { bytes: Uint8Array; streams: boolean } {
  try {
    return plannedImage(model, strideFrames);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new EngineError(e.message);
    throw e;
  }
}

function runInProcess(
  model: Uint8Array,
  samples: Int16Array,
  registry: KernelRegistry,
  opts: RunOptions,
): EngineResult {
  const lines: string[] = [];
  const source = arraySource(samples as unknown as number[]);
  // As reconfigureScript does on the script engines: stop reading at the sample, configure, go on.
  const change = opts.reconfigure;
  let pending = change !== undefined;
  let read = 0;
  let session: StreamSession | null = null;
  const readSamples = (dst: number[], max: number): number => {
    const at = change?.atSample ?? 0;
    if (pending && read >= at) {
      pending = false;
      session?.configure(reconfigureText(opts));
    }
    const n = source(dst, pending && read + max > at ? at - read : max);
    read += n;
    return n;
  };
  session = startStream(
    {
      // Typed arrays index like arrays; the runtime only reads them.
      modelBytes: model as unknown as number[],
      readSamples,
      print: (s: string) => lines.push(s),
      fmt: (x: number) => String(x),
      clock: () => performance.now(),
      trace: opts.trace === true,
      settings: settingsText(opts),
    },
    registry,
    plainMemory,
  );
  if (session !== null) {
    session.feed();
    session.finish();
  }
  return parseEngineOutput(lines.join("\n"));
}

function spawnEngine(cmd: string, args: string[], what: string, cwd?: string): string {
  const measure = counted !== null;
  if (gdbSampling !== null) {
    // gdb's exit status says how its command file ended, not the engine's: the output's own
    // completeness (parseEngineOutput) is the check.
    const { script, log, every } = gdbSampling;
    writeFileSync(script, gdbSamplerScript(log, every, args));
    const g = spawnSync("gdb", ["-batch", "-nx", "-x", script, cmd], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
      cwd,
    });
    if (g.error) throw new EngineUnavailableError(`${what}: cannot run gdb (${g.error.message})`);
    return g.stdout;
  }
  const r = measure
    ? spawnSync(
        "valgrind",
        ["--tool=callgrind", `--callgrind-out-file=${profileFile}`, ...valgrindExtra, cmd, ...args],
        {
          encoding: "utf8",
          maxBuffer: 1 << 30,
          cwd,
        },
      )
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, cwd });
  if (r.error) throw new EngineUnavailableError(`${what}: cannot run ${cmd} (${r.error.message})`);
  if (measure) {
    const m = /Collected : (\d+)/.exec(r.stderr);
    if (!m)
      throw new EngineUnavailableError(
        `${what}: callgrind gave no count (${r.stderr.slice(-300)})`,
      );
    counted = (counted ?? 0) + Number(m[1]);
  }
  // An engine that failed on purpose printed an X line; parseEngineOutput turns it into an error.
  if ((what === "jerry" || what === "wasm3") && r.status === 10 && !/^X /m.test(r.stdout)) {
    // JERRY_STANDALONE_EXIT_CODE_OUT_OF_MEMORY: the heap is fixed when jerry is built.
    throw new EngineError(
      `jerryscript ran out of its ${JERRY_HEAP_KB} KB heap (exit 10): code, model, arena and audio do not fit`,
    );
  }
  if (r.status !== 0 && !/^X /m.test(r.stdout)) {
    const err = (r.stderr || "").trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${what} exited with ${r.status}: ${err}`);
  }
  return r.stdout;
}

function requireEngine(engine: NativeEngine): string {
  const p = nativeEnginePath(engine);
  if (p === null) throw new EngineUnavailableError(missingEngineNote(engine));
  return p;
}

function requireBuilt(path: string): string {
  if (!existsSync(path)) {
    throw new EngineUnavailableError(`${path} is missing: run 'npm run build:device' first`);
  }
  return path;
}

/** Int16 samples as a JS literal list (duk has no file API). */
function literal(a: ArrayLike<number>): string {
  return Array.prototype.join.call(a, ",");
}

/** The engines that run the ES5 bundle after a script defining EARSHOT_INPUT (reconfigure). */
const RECONFIGURABLE: EngineName[] = [
  "duk",
  "espruino",
  "espruino-native",
  "espruino-budget",
  "jerryscript",
];

const isDeviceEngine = (engine: EngineName) =>
  (DEVICE_ENGINES as readonly string[]).includes(engine);

/** The host's full validation: the Node engine loads the model (no audio); throws EngineError. */
function hostCheck(model: Uint8Array, opts: RunOptions): void {
  runInProcess(
    model,
    new Int16Array(0),
    new KernelRegistry({ name: "portable-ts", kernels: referenceKernels }),
    { ...opts, trace: false },
  );
}

export async function runEngine(
  engine: EngineName,
  model: Uint8Array,
  samples: Int16Array,
  opts: RunOptions = {},
): Promise<EngineResult> {
  const trace = opts.trace === true;
  if (isDeviceEngine(engine) && opts.hostCheck !== false) hostCheck(model, opts);
  if (engine === "node") {
    return runInProcess(
      model,
      samples,
      new KernelRegistry({ name: "portable-ts", kernels: referenceKernels }),
      opts,
    );
  }
  if (engine === "node-wasm") {
    const { wasmRegistry } = await import("../targets/wasm/node-kernels");
    return runInProcess(model, samples, await wasmRegistry(), opts);
  }
  // Refusals first: nothing made yet (temporary folder, module state) to undo.
  const fromStream = opts.callgrind === true && opts.countFromStream === true;
  if (fromStream && engine !== "espruino-native")
    throw new EngineUnavailableError("countFromStream: espruino-native only");
  if (opts.profileOut !== undefined && opts.callgrind !== true)
    throw new EngineUnavailableError("profileOut needs callgrind");
  const jsProfiling = opts.jsProfileOut !== undefined;
  if (jsProfiling && (engine !== "espruino-native" || opts.callgrind === true))
    throw new EngineUnavailableError("jsProfileOut: espruino-native only, without callgrind");
  if (opts.reconfigure !== undefined && !RECONFIGURABLE.includes(engine))
    throw new EngineUnavailableError(
      `reconfigure: node, ${RECONFIGURABLE.join(", ")} only, where a script feeds the ES5 bundle its audio (not ${engine})`,
    );
  // After EARSHOT_INPUT's definition, before the bundle: the mid-stream settings change.
  const change =
    opts.reconfigure !== undefined
      ? reconfigureScript(opts.reconfigure.atSample, reconfigureText(opts))
      : "";
  if (opts.image === true) {
    if (!NATIVE_KERNEL_ENGINES.includes(engine))
      throw new EngineUnavailableError(
        `device images run on ${NATIVE_KERNEL_ENGINES.join(", ")} only (not ${engine})`,
      );
    if (opts.noNatives === true && engine !== "espruino-native")
      throw new EngineUnavailableError(
        "a device image needs the natives (the image bundle has no JS kernels)",
      );
    if (frontEndKindOf(model) === KIND_TFLM_MICRO)
      throw new EngineUnavailableError(
        "device images carry MFCC / LFBE models only (this one has the TFLite Micro front end)",
      );
  }
  const every = opts.jsProfileEvery ?? 500;
  if (!Number.isInteger(every) || every < 1)
    throw new EngineUnavailableError(`jsProfileEvery must be a positive integer (got ${every})`);
  const out = buildOutputs();
  const image = opts.image === true ? imageOf(model, opts.strideFrames) : null;
  const sent = image !== null ? image.bytes : model;
  const dir = mkdtempSync(join(tmpdir(), "earshot-engine-"));
  counted = opts.callgrind ? 0 : null;
  valgrindExtra = fromStream ? ["--instr-atstart=no"] : [];
  profileFile = opts.profileOut ?? "/dev/null";
  const gdbLog = join(dir, "gdb.log");
  if (jsProfiling) gdbSampling = { script: join(dir, "sample.gdb"), log: gdbLog, every };
  const memProbe = opts.memStats === true;
  try {
    const modelPath = join(dir, "model.bin");
    const samplesPath = join(dir, "samples.s16");
    writeFileSync(modelPath, sent);
    writeFileSync(
      samplesPath,
      new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
    );
    // The ES5 bundle this engine runs: on the device engines, the device profile carrying the
    // model's front end (without JS kernels where the host binds them all).
    const es5 = () =>
      requireBuilt(
        isDeviceEngine(engine)
          ? deviceBundleFor(model, out, {
              engine,
              noNatives: opts.noNatives === true,
              image: opts.image === true,
              notDeviceMode: trace || opts.streaming === false,
              // The stride program runs at its own stride, with streaming inference only.
              plannedStream:
                image?.streams === true &&
                opts.incremental !== false &&
                opts.reconfigure?.strideFrames === undefined,
            })
          : out.es5,
      );
    // The C embedding hosts (Duktape, JerryScript) take the same arguments.
    const cHostArgs = () => [
      es5(),
      modelPath,
      samplesPath,
      trace ? "1" : "0",
      settingsText(opts),
      opts.noNatives ? "0" : "1",
    ];
    let text: string;
    if (engine === "duk") {
      const prelude = join(dir, "input.js");
      writeFileSync(
        prelude,
        `var EARSHOT_INPUT={model:[${literal(model)}],samples:[${literal(samples)}],trace:${trace},settings:${JSON.stringify(settingsText(opts))}};\n${change}`,
      );
      text = spawnEngine("duk", [prelude, requireBuilt(out.es5)], "duk");
    } else if (engine === "espruino" || engine === "espruino-native") {
      const prelude = join(dir, "input.js");
      writeFileSync(
        prelude,
        espruinoPrelude(modelPath, samplesPath, trace, settingsText(opts)) +
          change +
          (engine === "espruino-native" ? ESPRUINO_NATIVE_KERNELS : "") +
          (memProbe ? ESPRUINO_MEMORY_PROBE : "") +
          (fromStream || jsProfiling ? ESPRUINO_COUNT_FROM_STREAM : "") +
          readFileSync(es5(), "utf8") +
          (memProbe ? ESPRUINO_MEMORY_REPORT : ""),
      );
      // Espruino runs the file, then reads its REPL from stdin: an empty stdin ends it.
      text = stripEspruinoConsole(spawnEngine(requireEngine(engine), [prelude], engine));
    } else if (engine === "espruino-budget") {
      // As on a board: upload the bundle to Storage (flash; the Linux port keeps it in
      // ./espruino.flash), then run it from there, so its code is not held in variables.
      const bin = requireEngine(engine);
      const upload = join(dir, "upload.js");
      writeFileSync(upload, espruinoUpload(es5()));
      const stored = spawnEngine(bin, [upload], engine, dir);
      if (!/^stored \d+/m.test(stored))
        throw new EngineError(`espruino-budget: uploading the bundle to Storage failed`);
      const run = join(dir, "run.js");
      writeFileSync(
        run,
        `${espruinoPrelude(modelPath, samplesPath, trace, settingsText(opts))}${change}${memProbe ? ESPRUINO_MEMORY_PROBE : ""}${ESPRUINO_RUN_FROM_STORAGE}${memProbe ? ESPRUINO_MEMORY_REPORT : ""}`,
      );
      text = stripEspruinoConsole(spawnEngine(bin, [run], engine, dir));
    } else if (engine === "jerryscript") {
      const scripts = deviceInputScripts(model, samples, trace, settingsText(opts));
      if (change !== "") scripts.before.push(change);
      text = spawnEngine(
        requireEngine("jerryscript"),
        [
          ...(opts.memStats ? ["--mem-stats"] : []),
          ...jerryScriptArgs(dir, "input", scripts, es5()),
        ],
        "jerry",
      );
    } else if (engine === "jerryscript-native") {
      // The embedding host: model outside the heap, audio read in chunks, C kernels bound.
      text = spawnEngine(
        requireEngine(engine),
        [...cHostArgs(), opts.memStats ? "1" : "0"],
        "jerry",
      );
    } else if (engine === "wasm3") {
      // The JerryScript host with the kernels in wasm3: one more argument, the kernels .wasm.
      text = spawnEngine(
        requireEngine(engine),
        [...cHostArgs(), opts.memStats ? "1" : "0", requireBuilt(out.wasmScalar)],
        "wasm3",
      );
    } else if (engine === "duktape-host") {
      text = spawnEngine(requireBuilt(out.duktapeHost), cHostArgs(), "duktape host");
    } else {
      text = spawnEngine(
        "lua5.3",
        [requireBuilt(out.lua), modelPath, samplesPath, trace ? "1" : "0", settingsText(opts)],
        "lua5.3",
      );
    }
    const result = withHeapHint(engine, () => parseEngineOutput(text));
    if (counted !== null) result.instructions = counted;
    if (jsProfiling) {
      const samples = samplesOf(existsSync(gdbLog) ? readFileSync(gdbLog, "utf8") : "");
      if (samples.length === 0)
        throw new EngineUnavailableError(
          "espruino-native under gdb gave no samples (is gdb installed?)",
        );
      const profile = jsProfile(readFileSync(join(dir, "input.js"), "utf8"), samples);
      writeFileSync(opts.jsProfileOut as string, formatJsProfile(profile));
      result.jsProfile = profile;
    }
    return result;
  } finally {
    counted = null;
    gdbSampling = null;
    rmSync(dir, { recursive: true, force: true });
  }
}

export { BUILD_DIR };
