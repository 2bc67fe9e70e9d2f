/**
 * A virtual device that hears: the real device runtime (device/runtime Detector with the
 * portable TS kernels, as `earshot device run --engine node` runs it) fed in real time from a
 * KeywordStream, wired to the device link by device/transport/runtime-bridge (commands ->
 * settings, events -> detections, stats -> telemetry). After an OTA activation it switches to
 * the new model at the current stream position; the stream itself goes on.
 */

import { type Detector, MAX_SMOOTHING } from "../../../device/runtime/detector";
import { lookup } from "../../../device/runtime/frontend-config";
import { plainMemory } from "../../../device/runtime/memory";
import type {
  LinkDetection,
  RuntimeControl,
  TelemetryCounters,
} from "../../../device/transport/link";
import {
  type DetectorStats,
  detectorControl,
  forwardDetections,
  RuntimeTelemetry,
  ScoreMonitor,
} from "../../../device/transport/runtime-bridge";
import { artifactDetector, readArtifactFile } from "../../ota/artifact-file";
import { FleetError } from "../errors";
import { KeywordStream, type Plant, type StreamOptions } from "./audio-stream";
import type { DetectorHook } from "./detector";
import { type FieldQuality, scoreDetections } from "./field-quality";

/** Samples handed to the Detector per push (as run-stream does). */
const CHUNK = 512;

/**
 * Builds the runtime's Detector for a model file or a device image; throws (expected) if it
 * cannot run it.
 */
export function buildDetector(bytes: Uint8Array, clock: () => number): Detector {
  try {
    return artifactDetector(bytes, clock);
  } catch (e) {
    throw new FleetError(`the device runtime cannot run this model: ${(e as Error).message}`);
  }
}

export function modelSampleRate(bytes: Uint8Array): number {
  return lookup(readArtifactFile(bytes).model.frontEnd, "sampleRate", 16000);
}

/** The sample rate a loaded detector's front end expects. */
export const detectorSampleRate = (det: Detector): number =>
  lookup(det.model.frontEnd, "sampleRate", 16000);

export interface RuntimeDetectorOptions {
  model: Uint8Array;
  /** The stream's plants and noise; its sample rate is the model's. */
  stream: Omit<StreamOptions, "sampleRate">;
  /** How often the audio that has "arrived" since the last tick is processed (default 100 ms). */
  tickMs?: number;
  /** Wall clock, ms since the epoch. */
  now?: () => number;
  /** Send the feature window with each detection (for the host's verifier; default true). */
  windows?: boolean;
}

/** The largest window the detection message carries (its `features` field holds 4096). */
const MAX_WINDOW = 4096;

/** A float window as int8 values and the scale that maps them back. */
export function quantizeWindow(w: ArrayLike<number>): { features: number[]; scale: number } {
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
  const scale = max > 0 ? max / 127 : 1;
  const features = new Array<number>(w.length);
  for (let i = 0; i < w.length; i++) features[i] = Math.round(w[i] / scale);
  return { features, scale };
}

/** What one real-runtime device heard, for the simulator's summary and parity checks. */
export interface RuntimeDeviceReport {
  device: string;
  /** Wall ms at stream start: a detection's timeMs minus this is its stream time. */
  startedAtMs: number;
  /** Samples processed (at the stream's sample rate) and the same in ms. */
  samples: number;
  sampleRate: number;
  streamMs: number;
  /** Worst backlog seen and the backlog at stop, in ms of audio: ~tickMs when keeping up. */
  maxLagMs: number;
  lagMs: number;
  modelSwitches: number;
  /** The stream's settings (clips aside): replaying them reproduces its samples. */
  stream: Omit<StreamOptions, "sampleRate" | "clips">;
  /** Detections published, stream ms. */
  heard: { keyword: string; t: number; score: number; modelVersion: number }[];
  plants: Plant[];
  quality: FieldQuality;
}

export class RuntimeDetector implements DetectorHook {
  private det: Detector;
  private monitor: ScoreMonitor;
  private readonly telemetry: RuntimeTelemetry;
  private readonly stream: KeywordStream;
  private readonly sampleRate: number;
  private readonly buf = plainMemory.scratch(CHUNK, true);
  private readonly now: () => number;
  private readonly clock = () => performance.now();
  /** Stats and near misses of models replaced by OTA (telemetry counters are cumulative). */
  private retired: DetectorStats = {
    samples: 0,
    frames: 0,
    inferences: 0,
    detections: 0,
    droppedEvents: 0,
    frontEndMs: 0,
    networkMs: 0,
    postMs: 0,
  };
  private retiredNearMisses = 0;
  /** Stream ms at which the current Detector started (its event times count from there). */
  private segmentMs = 0;
  private startedAt = 0;
  private timer?: ReturnType<typeof setInterval>;
  private emit: (d: LinkDetection) => void = () => {};
  private maxLagMs = 0;
  private lagMs = 0;
  private switches = 0;
  private readonly heard: RuntimeDeviceReport["heard"] = [];
  /** Near-miss capture: windows per hour allowed (0: off), and the token bucket. */
  private capturePerHour = 0;
  private captureTokens = 0;
  private captureAt = 0;
  private seenNearMisses = 0;
  captured = 0;

  constructor(private readonly o: RuntimeDetectorOptions) {
    this.now = o.now ?? Date.now;
    this.det = buildDetector(o.model, this.clock);
    this.sampleRate = detectorSampleRate(this.det);
    this.monitor = this.watch(this.det);
    this.stream = new KeywordStream({ ...o.stream, sampleRate: this.sampleRate });
    this.telemetry = new RuntimeTelemetry(() => this.cumulativeStats(), undefined);
  }

  private watch(det: Detector): ScoreMonitor {
    const m = new ScoreMonitor(
      det.model.labels,
      det.scoreScale,
      () => det.getSettings().threshold,
      10,
      0.5,
    );
    det.onScores(m.observe);
    return m;
  }

  private cumulativeStats(): DetectorStats {
    const s = this.det.stats;
    const r = this.retired;
    return {
      samples: r.samples + s.samples,
      frames: r.frames + s.frames,
      inferences: r.inferences + s.inferences,
      detections: r.detections + s.detections,
      droppedEvents: r.droppedEvents + s.droppedEvents,
      frontEndMs: r.frontEndMs + s.frontEndMs,
      networkMs: r.networkMs + s.networkMs,
      postMs: r.postMs + s.postMs,
    };
  }

  start(emit: (d: LinkDetection) => void): void {
    this.emit = emit;
    this.startedAt = this.now();
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 100);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Processes the audio that has arrived by now (at most 1 s per tick, to keep the loop live). */
  tick(): void {
    const due = Math.floor(((this.now() - this.startedAt) * this.sampleRate) / 1000);
    let todo = Math.min(due - this.stream.position, this.sampleRate);
    while (todo > 0) {
      const n = Math.min(todo, CHUNK);
      this.stream.fill(this.buf, 0, n);
      this.det.push(this.buf, 0, n);
      this.forward();
      this.captureNearMisses();
      todo -= n;
    }
    this.lagMs = ((due - this.stream.position) * 1000) / this.sampleRate;
    if (this.lagMs > this.maxLagMs) this.maxLagMs = this.lagMs;
  }

  private forward(): void {
    if (this.det.pendingEvents() === 0) return;
    const version = this.det.model.modelVersion;
    const base = this.startedAt + this.segmentMs;
    forwardDetections(
      this.det,
      {
        detection: (d) => {
          const timeMs = Math.round(d.timeMs ?? base);
          this.heard.push({
            keyword: d.keyword,
            t: timeMs - this.startedAt,
            score: d.score,
            modelVersion: version,
          });
          this.emit({ ...d, timeMs, ...this.window() });
          return 0;
        },
      },
      base,
    );
  }

  /** The detector's current input window, as the detection message carries it. */
  private window(): { featureShape?: number[]; features?: number[]; featureScale?: number } {
    if (this.o.windows === false) return {};
    const input = this.det.model.tensors[this.det.model.input];
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (n > MAX_WINDOW) return {};
    const w = new Array<number>(n).fill(0);
    // Float frames: artifactDetector loads with streaming off (a streaming window is quantized).
    this.det.window.copyTo(w);
    const q = quantizeWindow(w);
    return { featureShape: input.shape.slice(0, 2), features: q.features, featureScale: q.scale };
  }

  /** Near misses since the last call become captured windows while the hourly budget lasts. */
  private captureNearMisses(): void {
    const n = this.monitor.nearMisses;
    if (n === this.seenNearMisses) return;
    this.seenNearMisses = n;
    if (this.capturePerHour <= 0) return;
    const now = this.now();
    this.captureTokens = Math.min(
      this.capturePerHour,
      this.captureTokens + ((now - this.captureAt) / 3_600_000) * this.capturePerHour,
    );
    this.captureAt = now;
    if (this.captureTokens < 1) return;
    this.captureTokens--;
    this.captured++;
    const nm = this.monitor.lastNearMiss;
    this.emit({
      keyword: nm.label,
      score: nm.score,
      timeMs: now,
      nearMiss: true,
      ...this.window(),
    });
  }

  counters(): TelemetryCounters {
    const c = this.telemetry.counters();
    c.nearMisses = this.retiredNearMisses + this.monitor.nearMisses;
    c.histogram = this.monitor.histogram.slice();
    return c;
  }

  /** Commands act on whichever Detector is current. */
  control(): RuntimeControl {
    const c = detectorControl(
      {
        configure: (s) => this.det.configure(s),
        getSettings: () => this.det.getSettings(),
      },
      MAX_SMOOTHING,
      () => {},
    );
    c.setCapture = (perHour) => {
      if (!(perHour >= 0 && perHour <= 3600)) return "capture must be 0..3600 windows per hour";
      this.capturePerHour = perHour;
      this.captureTokens = Math.min(perHour, 1);
      this.captureAt = this.now();
      return undefined;
    };
    return c;
  }

  /** Current detector settings (tests check what a command changed). */
  settings() {
    return this.det.getSettings();
  }

  /** OTA validation: the runtime must be able to run the model on this stream. */
  validate(bytes: Uint8Array): void {
    const rate = detectorSampleRate(buildDetector(bytes, this.clock));
    if (rate !== this.sampleRate) {
      throw new Error(`model sample rate ${rate} Hz differs from the stream's ${this.sampleRate}`);
    }
  }

  modelChanged(bytes: Uint8Array): void {
    const next = buildDetector(bytes, this.clock);
    this.forward();
    this.retired = this.cumulativeStats();
    this.retiredNearMisses += this.monitor.nearMisses;
    this.det.onScores(null);
    this.det = next;
    this.monitor = this.watch(next);
    this.seenNearMisses = 0;
    this.segmentMs = (this.stream.position * 1000) / this.sampleRate;
    this.switches++;
  }

  get detections(): number {
    return this.heard.length;
  }

  report(device: string): RuntimeDeviceReport {
    const streamMs = (this.stream.position * 1000) / this.sampleRate;
    return {
      device,
      startedAtMs: this.startedAt,
      samples: this.stream.position,
      sampleRate: this.sampleRate,
      streamMs,
      maxLagMs: Math.round(this.maxLagMs),
      lagMs: Math.round(this.lagMs),
      modelSwitches: this.switches,
      stream: {
        keywords: this.o.stream.keywords,
        everyMs: this.o.stream.everyMs,
        phaseMs: this.o.stream.phaseMs,
        seed: this.o.stream.seed,
        noise: this.o.stream.noise,
      },
      heard: this.heard.slice(),
      plants: this.stream.plants.slice(),
      quality: scoreDetections(this.stream.plants, this.heard, streamMs),
    };
  }
}
