/**
 * Parses the line protocol every engine prints (device/app/run-stream.ts) into one result.
 * Node-only (host side).
 */
import { EarshotError } from "../../shared/errors";
import { float64FromWords } from "../../shared/model-format/bytes";
import { deviceMessageText } from "./device-messages";
import type { JsProfile } from "./js-profile";
export interface EngineEvent {
  t: number;
  classIndex: number;
  rawSum: number;
  window: number;
}

export interface EngineTrace {
  t: number;
  /** Input window (float features) of the inference. */
  window: number[];
  /** Output of each op, in op order. */
  layers: number[][];
}

export interface EngineResult {
  arenaPeakBytes: number;
  intMacs: number;
  binMacs: number;
  /** Raw scores (output minus zero point) per inference, with its time. */
  scores: number[][];
  times: number[];
  events: EngineEvent[];
  traces: EngineTrace[];
  /** Stage telemetry: counts and ms per stage (timings are the engine's own clock). */
  stats: {
    samples: number;
    frames: number;
    inferences: number;
    detections: number;
    frontEndMs: number;
    networkMs: number;
    postMs: number;
    /**
     * Steps of the host programs (TensorMemory.program) the whole network and a streaming
     * stride ran as: [whole, stride], 0 where the calls ran from JS.
     */
    programSteps: number[];
  } | null;
  /** Which implementation served each kernel, as the engine reported it. */
  serving: { op: string; impl: string }[];
  /**
   * Streaming inference (`I macs strideFrames`): int8 MACs per stride when each stride computes
   * only new rows (device/runtime/incremental.ts); absent when every inference runs whole.
   */
  streamingMacsPerStride?: number;
  /** Peak memory the engine reported (`M bytes`: JerryScript host heap, Espruino variables). */
  peakBytes?: number;
  /** Instructions callgrind counted for the whole run (RunOptions.callgrind). */
  instructions?: number;
  /** The token-sampled JS profile (RunOptions.jsProfileOut). */
  jsProfile?: JsProfile;
}

/** An engine reported a problem (e.g. a malformed model): the message is for the user. */
export class EngineError extends EarshotError {
  constructor(message: string) {
    super("engine", message);
    this.name = "EngineError";
  }
}

/** A number field: decimal, or `w<hi>:<lo>` (a double's bit pattern, run-stream exactNumberText). */
function num(s: string): number {
  if (s.charAt(0) !== "w") return Number(s);
  const [hi, lo] = s.slice(1).split(":");
  return float64FromWords(Number(hi), Number(lo));
}

function nums(parts: string[], from: number): number[] {
  const out: number[] = [];
  for (let i = from; i < parts.length; i++) out.push(num(parts[i]));
  return out;
}

export function parseEngineOutput(text: string): EngineResult {
  const r: EngineResult = {
    arenaPeakBytes: 0,
    intMacs: 0,
    binMacs: 0,
    scores: [],
    times: [],
    events: [],
    traces: [],
    serving: [],
    stats: null,
  };
  let sawHeader = false;
  // Espruino ends its lines with \r\n.
  for (const line of text.split(/\r?\n/)) {
    if (line.length === 0) continue;
    const tag = line.charAt(0);
    if (tag === "X") throw new EngineError(deviceMessageText(line.slice(2)));
    const p = line.split(" ");
    if (tag === "A") {
      [r.arenaPeakBytes, r.intMacs, r.binMacs] = nums(p, 1);
      sawHeader = true;
    } else if (tag === "P") {
      // In the order run-stream.ts prints them; the last two (program steps) may be absent.
      const f = nums(p, 1);
      r.stats = {
        samples: f[0],
        frames: f[1],
        inferences: f[2],
        detections: f[3],
        frontEndMs: f[4],
        networkMs: f[5],
        postMs: f[6],
        programSteps: [f[7] ?? 0, f[8] ?? 0],
      };
    } else if (tag === "I") {
      r.streamingMacsPerStride = num(p[1]);
    } else if (tag === "M") {
      r.peakBytes = num(p[1]);
    } else if (tag === "K") {
      r.serving.push({ op: p[1], impl: p[2] });
    } else if (tag === "S") {
      r.times.push(num(p[1]));
      r.scores.push(nums(p, 2));
    } else if (tag === "E") {
      const [t, classIndex, rawSum, window] = nums(p, 1);
      r.events.push({ t, classIndex, rawSum, window });
    } else if (tag === "F") {
      r.traces.push({ t: num(p[1]), window: nums(p, 2), layers: [] });
    } else if (tag === "T") {
      const last = r.traces[r.traces.length - 1];
      if (last) last.layers.push(nums(p, 2));
    }
  }
  if (!sawHeader) throw new Error("engine printed no result header");
  return r;
}
