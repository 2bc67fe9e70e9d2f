/**
 * `earshot stream eval`: one run of the device runtime over a built stream, then operating
 * points across thresholds against its truth (and the DET figure).
 */
import { readFileSync } from "node:fs";
import type { EngineName } from "../../device/engines/run";
import { lookup } from "../../device/runtime/frontend-config";
import { EarshotError } from "../../shared/errors";
import { decodeModel } from "../../shared/model-format/decode";
import { readWav, TARGET_RATE } from "../data";
import { type FalseAcceptCauses, falseAcceptCauses } from "./false-accepts";
import { DEFAULT_TOLERANCE_MS, type OperatingPoint, type Target } from "./match";
import { recordScores, type ScoreTrace, toInt16 } from "./record";
import { bestPerInference } from "./replay";
import { bySnr, type SnrBand } from "./snr-bands";
import { pointAt, type SweepContext, sweep } from "./sweep";
import { readTruth, type StreamTruth, TruthError, truthPathFor } from "./truth";

/** A model file, a stream and its truth, after one recorded run. */
export interface RecordedStream {
  modelPath: string;
  modelBytes: Uint8Array;
  streamPath: string;
  truthPath: string;
  truth: StreamTruth;
  trace: ScoreTrace;
  durationMs: number;
  /** Planted clips whose label is one of the model's keywords. */
  targets: Target[];
}

/** An input the command cannot use (one line for the user). */
export class StreamEvalError extends EarshotError {
  constructor(message: string) {
    super("stream-eval", message);
    this.name = "StreamEvalError";
  }
}

function readModelBytes(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new StreamEvalError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  let rate: number;
  try {
    rate = lookup(decodeModel(Array.from(bytes)).frontEnd, "sampleRate", Number.NaN);
  } catch (e) {
    throw new StreamEvalError(`${path}: not a valid earshot model: ${(e as Error).message}`);
  }
  // Streams are 16 kHz (stream build writes them so): a model for another rate would hear noise.
  if (rate !== TARGET_RATE)
    throw new StreamEvalError(
      `${path}: front end expects ${rate} Hz; streams are ${TARGET_RATE} Hz`,
    );
  return bytes;
}

export async function recordStream(o: {
  model: string;
  stream: string;
  truth?: string;
  engine: EngineName;
  /** Called once the inputs check out, before the (long) run. */
  onRun?: () => void;
}): Promise<RecordedStream> {
  const modelBytes = readModelBytes(o.model);
  const truthPath = o.truth ?? truthPathFor(o.stream);
  const truth = readTruth(truthPath);
  const wav = readWav(o.stream);
  const durationMs = (wav.samples.length * 1000) / TARGET_RATE;
  if (Math.abs(durationMs - truth.durationMs) > 1)
    throw new TruthError(
      `${truthPath}: says ${truth.durationMs} ms but ${o.stream} is ${durationMs} ms (not its stream?)`,
    );
  o.onRun?.();
  const trace = await recordScores(modelBytes, toInt16(wav.samples), o.engine);
  const keywords = new Set(trace.labels.filter((l) => l.charAt(0) !== "_"));
  const targets = truth.planted
    .filter((p) => keywords.has(p.label))
    .map((p) => ({ label: p.label, startMs: p.startMs, endMs: p.endMs, snrDb: p.snrDb }));
  return {
    modelPath: o.model,
    modelBytes,
    streamPath: o.stream,
    truthPath,
    truth,
    trace,
    durationMs,
    targets,
  };
}

export interface StreamEvalReport {
  model: string;
  stream: string;
  truth: string;
  engine: EngineName;
  durationMs: number;
  inferences: number;
  /** Planted keywords of the model's labels, and other planted clips (non-targets). */
  targets: number;
  otherPlanted: number;
  settings: { smoothingWindow: number; suppressionMs: number; strideFrames: number };
  /** ScoreTrace.streamingMacsPerStride: null when every inference ran the whole window. */
  streamingMacsPerStride: number | null;
  toleranceMs: number;
  matching: string;
  points: OperatingPoint[];
  /** The point at the model file's own default threshold. */
  modelDefault: OperatingPoint;
  /** That point's hits and misses by the SNR each keyword was mixed at. */
  by_snr: SnrBand[];
  /** What that point's false accepts fired on. */
  false_accepts: FalseAcceptCauses;
}

export const MATCHING_RULE =
  "a detection of keyword k at t is a hit when an unhit planted k has start - tolerance <= t <= end + tolerance (earliest such plant); each plant counts once; every other detection is a false accept; frr = misses / planted keywords, fa_per_hour = false accepts / stream hours, fdr = false accepts / detections";

export function sweepContext(
  r: RecordedStream,
  suppressionMs: number,
  toleranceMs: number,
): SweepContext {
  return {
    labels: r.trace.labels,
    targets: r.targets,
    durationMs: r.durationMs,
    suppressionMs,
    toleranceMs,
  };
}

export function evaluateRecorded(
  r: RecordedStream,
  o: { smoothingWindow?: number; toleranceMs?: number; maxPoints?: number } = {},
): StreamEvalReport {
  const d = r.trace.defaults;
  const smoothingWindow = o.smoothingWindow ?? d.smoothingWindow;
  const toleranceMs = o.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const ctx = sweepContext(r, d.suppressionMs, toleranceMs);
  const best = bestPerInference(r.trace, smoothingWindow);
  return {
    model: r.modelPath,
    stream: r.streamPath,
    truth: r.truthPath,
    engine: r.trace.engine,
    durationMs: r.durationMs,
    inferences: r.trace.times.length,
    targets: r.targets.length,
    otherPlanted: r.truth.planted.length - r.targets.length,
    settings: { smoothingWindow, suppressionMs: d.suppressionMs, strideFrames: d.strideFrames },
    streamingMacsPerStride: r.trace.streamingMacsPerStride,
    toleranceMs,
    matching: MATCHING_RULE,
    points: sweep(best, ctx, o.maxPoints ?? 200),
    modelDefault: pointAt(best, d.threshold, ctx),
    by_snr: bySnr(best, d.threshold, ctx),
    false_accepts: falseAcceptCauses(best, d.threshold, ctx, r.truth.planted),
  };
}
