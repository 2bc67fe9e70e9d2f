/**
 * The device bundles' behaviour check (run by tools/bundle-device.ts on every build): the bundle
 * with renamed properties must print exactly what the same bundle with every name kept prints,
 * for the shipped models (int8 and binary kernels, MFCC front end), streaming and traced. Both run in a fresh
 * Node context the way an embedder runs them (EARSHOT_INPUT, print, for the native bundle an
 * EarshotNative whose kernels are the host's own reference kernels: they read the argument
 * objects by the names the C hosts read, so a renamed boundary field shows here too).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { FrontEnd, type FrontEndShape } from "../../shared/features/frontend";
import { referenceKernels } from "../../shared/kernels/reference";
import { deviceImage } from "../engines/image-plan";
import { DEVICE_PROFILES, type DeviceProfileName } from "./device-profiles";

export interface BehaviourCase {
  what: string;
  model: Uint8Array;
  /** Also run it traced (per-op output and input windows; the non-streaming path). */
  traced: boolean;
  /** The bundle refuses this model at load (no inference to compare, only the refusal). */
  refused: boolean;
}

/**
 * The shipped model that streams (res8-stream): the bundles with streaming inference run their
 * incremental runner (or the image's stride program) on it; the others its whole window.
 */
export const STREAM_MODEL = "kws12-int8-stream.esm";

/** 1.1 s of a rising tone under noise, from a fixed seed (the same every build). */
export function checkAudio(): number[] {
  const out: number[] = [];
  let s = 12345;
  for (let i = 0; i < 17600; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const noise = (s / 2147483648 - 0.5) * 4000;
    const tone = 8000 * Math.sin((2 * Math.PI * (300 + i / 20) * i) / 16000);
    out.push(Math.round(tone + noise));
  }
  return out;
}

/**
 * The models a profile's check runs: the shipped int8 model streaming and traced, the shipped
 * binary model streaming, the shipped streaming model (seconds each in a Node context with
 * plain-array kernels). The
 * repository ships no TFLite Micro model and the synthetic ones are host code (host/compress,
 * which device/ may not import), so the tflm-micro bundle's check covers the load and the
 * refusal of an MFCC model only; test/interop/tflm-device.test.ts runs it on every engine.
 */
export function behaviourCases(profile: DeviceProfileName, repo: string): BehaviourCase[] {
  const file = (name: string) => Uint8Array.from(readFileSync(join(repo, "models", name)));
  if (profile === "tflm-micro")
    return [
      {
        what: "models/kws12-int8.esm",
        model: file("kws12-int8.esm"),
        traced: false,
        refused: true,
      },
    ];
  if (DEVICE_PROFILES[profile].swaps.some(([from]) => from === "device/runtime/load.js")) {
    // An image bundle: it runs the shipped models' device images and refuses a model file.
    const image = (name: string) => deviceImage(file(name));
    // The whole-window image bundle replays the image's run plan, in the device mode only.
    const planned = DEVICE_PROFILES[profile].swaps.some(
      ([from]) => from === "device/runtime/interpreter.js",
    );
    // The planned streaming bundle runs only images that carry a stride program; the shipped
    // models pad along time, so it refuses theirs.
    const streamsOnly = DEVICE_PROFILES[profile].swaps.some(
      ([, to]) => to === "device/targets/es5/image/stream-runner.js",
    );
    const streamImage: BehaviourCase = {
      what: `image of ${STREAM_MODEL}`,
      model: image(STREAM_MODEL),
      traced: false,
      refused: false,
    };
    if (streamsOnly)
      return [
        streamImage,
        {
          what: "image of kws12-int8.esm",
          model: image("kws12-int8.esm"),
          traced: false,
          refused: true,
        },
        {
          what: "models/kws12-int8.esm",
          model: file("kws12-int8.esm"),
          traced: false,
          refused: true,
        },
      ];
    return [
      streamImage,
      {
        what: "image of kws12-int8.esm",
        model: image("kws12-int8.esm"),
        traced: !planned,
        refused: false,
      },
      {
        what: "image of kws12-binary.esm",
        model: image("kws12-binary.esm"),
        traced: false,
        refused: false,
      },
      {
        what: "models/kws12-int8.esm",
        model: file("kws12-int8.esm"),
        traced: false,
        refused: true,
      },
    ];
  }
  return [
    { what: "models/kws12-int8.esm", model: file("kws12-int8.esm"), traced: true, refused: false },
    {
      what: `models/${STREAM_MODEL}`,
      model: file(STREAM_MODEL),
      traced: false,
      refused: false,
    },
    {
      what: "models/kws12-binary.esm",
      model: file("kws12-binary.esm"),
      traced: false,
      refused: false,
    },
  ];
}

/**
 * The native front end's two calls over the host's own FrontEnd, built from the configuration
 * and sizes the bundle passes, as the C hosts build theirs (they read the same names).
 */
function jsFrontEndNatives() {
  const frontEnds: FrontEnd[] = [];
  return {
    frontEndInit: (shape: FrontEndShape): number => {
      const fe = new FrontEnd({ ...shape.config });
      if (
        fe.windowLength !== shape.windowLength ||
        fe.hopLength !== shape.hopLength ||
        fe.coeffs !== shape.coeffs
      )
        throw new Error("frontEndInit: sizes differ from the configuration's");
      frontEnds.push(fe);
      return frontEnds.length - 1;
    },
    frontEndFrame: (h: number, src: number[], so: number, out: number[], oo: number): void =>
      frontEnds[h].computeFrame(src, so, out, oo),
  };
}

/** What `bundle` prints for one case; `native`: the host binds every kernel (reference JS). */
function runBundle(
  bundle: string,
  c: BehaviourCase,
  trace: boolean,
  native: boolean,
  samples: number[],
): string[] {
  const lines: string[] = [];
  const context: Record<string, unknown> = {
    EARSHOT_INPUT: { model: c.model, samples, trace, settings: "" },
    print: (s: string) => lines.push(s),
    // Stage timings print as 0 in both runs.
    Date: { now: () => 0 },
  };
  if (native)
    context.EarshotNative = { ...referenceKernels, ...jsFrontEndNatives(), impl: "check-js" };
  try {
    runInNewContext(bundle, context);
  } catch (e) {
    lines.push(`thrown: ${(e as Error).message}`);
  }
  return lines;
}

/**
 * Problems (empty when none): each case where the renamed bundle printed differently, and any
 * case whose run printed no scores (or, for a refused one, no refusal): a check that never ran
 * the network proves nothing.
 */
export function behaviourProblems(
  renamed: string,
  kept: string,
  cases: BehaviourCase[],
  native: boolean,
): string[] {
  const samples = checkAudio();
  const problems: string[] = [];
  for (const c of cases) {
    for (const trace of c.traced ? [false, true] : [false]) {
      const a = runBundle(renamed, c, trace, native, samples);
      const b = runBundle(kept, c, trace, native, samples);
      const at = a.findIndex((l, i) => l !== b[i]);
      const mode = `${c.what}${trace ? ", traced" : ""}`;
      if (at >= 0 || a.length !== b.length) {
        const i = at >= 0 ? at : Math.min(a.length, b.length);
        problems.push(
          `renaming properties changed what the bundle prints (${mode}) at line ${i + 1}: '${a[i] ?? "(end)"}' instead of '${b[i] ?? "(end)"}'`,
        );
      } else if (
        c.refused ? !b.some((l) => l.startsWith("X ")) : !b.some((l) => l.startsWith("S "))
      ) {
        const wanted = c.refused ? "no refusal" : "no inference";
        problems.push(`the behaviour check saw ${wanted} (${mode}): ${b.slice(-1)[0] ?? ""}`);
      }
    }
  }
  return problems;
}
