/**
 * The streaming keyword detector: wires the stages (features -> frame window -> network every
 * `strideFrames` frames -> recognizer: moving average, threshold + suppression) and keeps
 * per-stage counters and timings for telemetry. Everything is allocated in the constructor;
 * `loadDetector` (load.ts) builds one from model bytes, decoding them once.
 *
 * Scores: the model's integer outputs minus the output zero point ("raw"); a class's score as
 * a number is raw * scoreScale (shared/model-format/output-scale.ts). Smoothed score =
 * sum of raw over the window * scoreScale / window size, computed the same way on every engine.
 */

import { type InputNorm, normalizeFrames, readInputNorm } from "../../shared/features/input-norm";
import type { Kernels, QuantizeParams } from "../../shared/kernels/types";
import { detectionSettingsProblem, MAX_SMOOTHING } from "../../shared/model-format/detection";
import { ModelFormatError } from "../../shared/model-format/errors";
import { numel } from "../../shared/model-format/layout";
import { outputScale, outputZeroPoint } from "../../shared/model-format/output-scale";
import type { PreparedOp } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { zeros } from "../../shared/portable/arrays";
import { type Int8FrameInput, int8FrameInput } from "./front-end-tflm-micro";
import { deviceFrontEndFromKeyValues, lookup } from "./frontend-config";
import type { FrontEndIntrinsic } from "./frontend-intrinsic";
import { IncrementalRunner, planRows } from "./incremental";
import { Interpreter } from "./interpreter";
import type { TensorMemory } from "./memory";
import { type DirectFrames, directFrames } from "./stream/direct-frames";
import { FeatureStage } from "./stream/feature-stage";
import { FrameWindow } from "./stream/frame-window";
import {
  DETECTED,
  type DetectionEvent,
  DROPPED,
  EVENT_CAPACITY,
  Recognizer,
} from "./stream/recognizer";

/** Run-time settings the fleet may change remotely. */
export interface DetectorSettings {
  /** Smoothed score a keyword must reach, in score units (0..1 for softmax models). */
  threshold: number;
  /** Moving-average window, in inferences (1..MAX_SMOOTHING). */
  smoothingWindow: number;
  /** Run the network every this many new frames (>= 1). */
  strideFrames: number;
  /** No second detection within this many ms of the last. */
  suppressionMs: number;
}

export { type DetectionEvent, EVENT_CAPACITY, MAX_SMOOTHING };

/** Telemetry: counts and accumulated ms per stage (front end / network / post-processing). */
export interface DetectorStats {
  samples: number;
  frames: number;
  inferences: number;
  detections: number;
  droppedEvents: number;
  frontEndMs: number;
  networkMs: number;
  postMs: number;
}

/** Called once per inference with the raw (zero-point-removed) scores and the time. */
export type ScoreListener = (raw: number[], t: number) => void;

export class Detector {
  readonly model: DeviceModel;
  readonly interpreter: Interpreter;
  readonly features: FeatureStage;
  readonly scoreScale: number;
  readonly stats: DetectorStats;
  private readonly settings: DetectorSettings;
  /** The input window's frames (quantized when streaming; app/trace-lines.ts copies them). */
  readonly window: FrameWindow;
  private readonly recognizer: Recognizer;
  private readonly raw: number[];
  private readonly outZp: number;
  private framesSinceInference = 0;
  private readonly clock: () => number;
  private listener: ScoreListener | null = null;
  /** The trainer's per-coefficient normalization, applied to each frame (null: none). */
  private readonly norm: InputNorm | null;
  private readonly kernels: Kernels;
  /** Streaming: the input quantizer for one frame and its output (null: float window). */
  private readonly frameQuant: QuantizeParams | null;
  private readonly qFrame: number[];
  /** The native front end makes the frames straight into the ring, or null (direct-frames.ts). */
  private readonly direct: DirectFrames | null;
  /** The tflm-micro front end's frames into the ring (they are int8 input values), or null. */
  private readonly int8: Int8FrameInput | null;
  /**
   * Streaming inference (incremental.ts): each stride computes only the new rows; null when
   * off or the model does not stream at the current stride. Planned (buffers allocated) for
   * the stride at construction and again whenever `configure` changes it; it runs once
   * `primed` (the previous inference ran at this stride, whole or by rows).
   */
  incremental: IncrementalRunner | null = null;
  /** Why the model does not stream ("" when it does, or when streaming inference is off). */
  incrementalProblem = "";
  private readonly incrementalWanted: boolean;
  private plannedStride = -1;
  private primed = false;
  private readonly memory: TensorMemory;

  /**
   * `streaming`: the device mode (interpreter.ts); `incremental`: streaming inference on top
   * of it, when the model allows (bit-exact with the whole-window run either way).
   */
  constructor(
    model: DeviceModel,
    kernels: Kernels,
    memory: TensorMemory,
    clock: () => number,
    frontEnd: FrontEndIntrinsic | null = null,
    prepared: PreparedOp[] | null = null,
    streaming = false,
    incremental = true,
  ) {
    this.model = model;
    this.clock = clock;
    this.kernels = kernels;
    const feConfig = deviceFrontEndFromKeyValues(model.frontEnd);
    this.features = new FeatureStage(feConfig, memory, frontEnd);
    this.interpreter = new Interpreter(model, kernels, memory, prepared, { streaming });
    const input = model.tensors[model.input];
    const frames = input.shape.length > 0 ? input.shape[0] : 0;
    const coeffs = this.features.frontEnd.coeffs;
    if (frames < 1 || numel(input.shape) !== frames * coeffs) {
      throw new ModelFormatError(
        `input shape [${input.shape.join(",")}] is not [frames, ${coeffs}]`,
        -1,
      );
    }
    // Streaming: quantize each frame as it arrives (quantization is per value, so a window of
    // quantized frames is the quantized window) and keep the ring in the model's input type.
    const q = this.interpreter.inputQuantizer();
    let ring: number[] | null = null;
    if (q !== null) {
      const qType = model.tensors[model.ops[0].outputs[0]].dtype;
      this.frameQuant = {
        n: coeffs,
        scale: q.scale,
        zeroPoint: q.zeroPoint,
        actMin: q.actMin,
        actMax: q.actMax,
      };
      this.qFrame = memory.buffer(coeffs, qType);
      ring = memory.buffer(frames * coeffs, qType);
      this.window = new FrameWindow(frames, coeffs, memory, ring);
    } else {
      this.frameQuant = null;
      this.qFrame = [];
      this.window = new FrameWindow(frames, coeffs, memory, memory.scratch(frames * coeffs, true));
    }
    try {
      this.norm = readInputNorm(model.meta, coeffs);
    } catch (e) {
      throw new ModelFormatError((e as Error).message, -1);
    }
    this.int8 = this.features.int8Frames
      ? int8FrameInput(
          this.interpreter.leadingQuantizer(),
          this.norm,
          this.frameQuant !== null ? this.qFrame : null,
        )
      : null;
    // A native front end that quantizes writes the frames into the ring itself, normalized first
    // when the model says so (direct-frames.ts).
    this.direct =
      ring !== null && this.frameQuant !== null && this.features.mfcc !== null
        ? directFrames(
            frontEnd,
            this.features.mfcc,
            this.norm,
            this.frameQuant,
            ring,
            feConfig.sampleRate,
          )
        : null;
    if (this.direct !== null) this.features.dropWindow();
    const out = model.tensors[model.output];
    const classes = numel(out.shape);
    if (classes !== model.labels.length) {
      throw new ModelFormatError(
        `output has ${classes} scores for ${model.labels.length} labels`,
        -1,
      );
    }
    this.scoreScale = outputScale(model);
    this.outZp = outputZeroPoint(model);
    this.raw = zeros(classes);
    this.settings = {
      threshold: model.threshold,
      smoothingWindow: model.smoothingWindow,
      strideFrames: lookup(model.meta, "strideFrames", 1),
      suppressionMs: lookup(model.meta, "suppressionMs", 1000),
    };
    this.memory = memory;
    this.incrementalWanted = streaming && incremental && q !== null;
    this.recognizer = new Recognizer(model.labels, this.scoreScale, model.modelVersion);
    this.configure(this.settings);
    this.stats = {
      samples: 0,
      frames: 0,
      inferences: 0,
      detections: 0,
      droppedEvents: 0,
      frontEndMs: 0,
      networkMs: 0,
      postMs: 0,
    };
  }

  /** Applies new settings (validated first; on error nothing changes). */
  configure(s: DetectorSettings): void {
    const problem = detectionSettingsProblem(
      s.threshold,
      s.smoothingWindow,
      s.strideFrames,
      s.suppressionMs,
    );
    if (problem !== "") throw new Error(problem);
    // The stride first: a planned streaming image refuses any stride but its own (throws).
    if (s.strideFrames !== this.plannedStride) this.planIncremental(s.strideFrames);
    this.recognizer.configure(s.threshold, s.smoothingWindow, s.suppressionMs);
    this.settings.threshold = s.threshold;
    this.settings.smoothingWindow = s.smoothingWindow;
    this.settings.strideFrames = s.strideFrames;
    this.settings.suppressionMs = s.suppressionMs;
  }

  private planIncremental(strideFrames: number): void {
    const it = this.interpreter;
    // Planned before anything changes: planRows throws where a stride cannot run at all.
    const plan = this.incrementalWanted
      ? planRows(this.model, it.preparedOps(), strideFrames)
      : null;
    this.plannedStride = strideFrames;
    this.primed = false;
    this.incremental = null;
    if (plan === null) return;
    this.incrementalProblem = plan.problem;
    if (plan.problem === "")
      this.incremental = new IncrementalRunner(this.model, it.preparedOps(), plan, it, this.memory);
  }

  getSettings(): DetectorSettings {
    const s = this.settings;
    return {
      threshold: s.threshold,
      smoothingWindow: s.smoothingWindow,
      strideFrames: s.strideFrames,
      suppressionMs: s.suppressionMs,
    };
  }

  onScores(listener: ScoreListener | null): void {
    this.listener = listener;
  }

  /**
   * Feeds samples (floats in [-1, 1]) src[off .. off + n); runs every stage they complete. The
   * front end's time is this call's time less the inferences' (one clock pair per call, not per
   * frame: on an interpreter a clock read costs about as much as a frame's bookkeeping).
   */
  push(src: number[], off: number, n: number): void {
    const st = this.stats;
    const t0 = this.clock();
    const inner = st.networkMs + st.postMs;
    if (this.direct !== null) this.pushDirect(this.direct, src, off, n);
    else {
      const features = this.features;
      let done = 0;
      while (done < n) {
        done += features.push(src, off + done, n - done);
        if (!features.ready()) break;
        this.onFrame();
      }
    }
    st.frontEndMs += this.clock() - t0 - (st.networkMs + st.postMs - inner);
    st.samples += n;
  }

  /**
   * push() when the front end quantizes into the ring itself: each native call makes the frames
   * up to the next inference (or to the end of the input), then the inference runs, as onFrame
   * would run it after the same frame.
   */
  private pushDirect(d: DirectFrames, src: number[], off: number, n: number): void {
    const w = this.window;
    let done = 0;
    while (done < n) {
      // The next inference: the window full and strideFrames frames since the last one.
      let k = this.settings.strideFrames - this.framesSinceInference;
      const missing = w.missing();
      if (missing > k) k = missing;
      if (k < 1) k = 1;
      done += d.push(src, off + done, n - done, w.nextSlot(), k);
      const made = d.made;
      if (made === 0) break;
      w.advance(made);
      this.stats.frames += made;
      this.framesSinceInference += made;
      if (made === k) this.inferNow(d.frameTimeMs());
    }
  }

  private onFrame(): void {
    const f = this.features;
    this.pushFrame(f);
    f.take();
    this.stats.frames++;
    this.framesSinceInference++;
    if (!this.window.full() || this.framesSinceInference < this.settings.strideFrames) return;
    this.inferNow(f.frameTimeMs());
  }

  /** Runs the inference the newest frame (ending at t ms) completes, and its post-processing. */
  private inferNow(t: number): void {
    // The first inference runs as soon as the window is full; then every strideFrames frames.
    this.framesSinceInference = 0;
    const t0 = this.clock();
    const out = this.infer();
    const t1 = this.clock();
    this.stats.networkMs += t1 - t0;
    this.stats.inferences++;
    this.postProcess(out, t);
    this.stats.postMs += this.clock() - t1;
  }

  /** Normalizes and quantizes the stage's frame as the model wants it, into the ring. */
  private pushFrame(f: FeatureStage): void {
    if (this.norm !== null) normalizeFrames(f.frame, 0, 1, this.window.coeffs, this.norm);
    if (this.int8 !== null) this.int8.push(f.frame, this.window);
    else if (this.frameQuant !== null) {
      this.kernels.quantize(f.frame, this.frameQuant, this.qFrame);
      this.window.push(this.qFrame);
    } else {
      this.window.push(f.frame);
    }
  }

  /** Runs the network on the window; returns the scores. */
  private infer(): number[] {
    const it = this.interpreter;
    const inc = this.incremental;
    if (inc !== null && this.primed) {
      this.window.copyFrames(inc.input, inc.inputFirstFrame, inc.strideFrames);
      inc.step(this.kernels);
      return inc.scores;
    }
    if (inc !== null) {
      this.primed = true;
      return inc.prime(it, this.window, this.kernels);
    }
    this.window.copyTo(this.frameQuant !== null ? it.quantizedInput() : it.input());
    it.invoke();
    return it.output();
  }

  private postProcess(out: number[], t: number): void {
    const raw = this.raw;
    const r = this.recognizer.process(out, this.outZp, raw, t);
    if (this.listener !== null) this.listener(raw, t);
    if (r === DETECTED || r === DROPPED) this.stats.detections++;
    if (r === DROPPED) this.stats.droppedEvents++;
  }

  /** Detections since the last drain (the array is reused: copy what you keep). */
  pendingEvents(): number {
    return this.recognizer.pendingEvents();
  }

  event(i: number): DetectionEvent {
    return this.recognizer.event(i);
  }

  drainEvents(): void {
    this.recognizer.drainEvents();
  }
}
