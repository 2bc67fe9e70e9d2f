/**
 * Stages 4-5 as one recognizer (as TFLM's RecognizeCommands): raw scores in, per inference;
 * moving average over the last `smoothingWindow` inferences, the best keyword (labels beginning
 * with "_", e.g. _silence_, never fire), threshold and suppression, detections out into a fixed
 * ring the caller drains. Knows nothing of audio, features or the network: the Detector wires
 * it. Everything is allocated in the constructor.
 */
import { MAX_SMOOTHING } from "../../../shared/model-format/detection";
import { MovingAverage } from "./smoother";
import { Trigger } from "./trigger";

/** Detections kept until the caller drains them. */
export const EVENT_CAPACITY = 32;

/** One detection, as the runtime reports it (the device link publishes keyword and score). */
export interface DetectionEvent {
  keyword: string;
  /** Class index in the model's labels. */
  classIndex: number;
  /** Smoothed score. */
  score: number;
  /** Exact integer sum behind `score` and the window size (for bit-exact comparisons). */
  rawSum: number;
  window: number;
  /** ms from stream start (end of the frame that triggered). */
  t: number;
  modelVersion: number;
}

/** What one inference's scores did: nothing, a stored detection, or one dropped (ring full). */
export const NO_DETECTION = 0;
export const DETECTED = 1;
export const DROPPED = 2;

export class Recognizer {
  private readonly smoother: MovingAverage;
  private readonly trigger: Trigger;
  private readonly events: DetectionEvent[];
  /** Per class: may it fire (labels starting with "_", e.g. _silence_, never do). */
  private readonly mayFire: boolean[];
  /** sign(scoreScale): ranks the integer sums as their scores rank (see process). */
  private readonly sign: number;
  private eventCount = 0;

  /** `scoreScale`: raw score units to score units (shared/model-format/output-scale.ts). */
  constructor(
    private readonly labels: string[],
    private readonly scoreScale: number,
    private readonly modelVersion: number,
  ) {
    this.smoother = new MovingAverage(labels.length, MAX_SMOOTHING, 1);
    this.mayFire = [];
    for (let c = 0; c < labels.length; c++) this.mayFire.push(labels[c].charAt(0) !== "_");
    this.sign = scoreScale > 0 ? 1 : scoreScale < 0 ? -1 : 0;
    this.trigger = new Trigger(0, 0);
    this.events = [];
    for (let i = 0; i < EVENT_CAPACITY; i++) {
      this.events.push({
        keyword: "",
        classIndex: 0,
        score: 0,
        rawSum: 0,
        window: 1,
        t: 0,
        modelVersion: 0,
      });
    }
  }

  /** Settings already validated by the caller. */
  configure(threshold: number, smoothingWindow: number, suppressionMs: number): void {
    this.smoother.setWindow(smoothingWindow);
    this.trigger.configure(threshold, suppressionMs);
  }

  /**
   * One inference at time t (ms): the model's integer outputs `out` and their zero point; the
   * raw scores (out - zp) are also written to `raw`. NO_DETECTION, DETECTED or DROPPED.
   */
  process(out: number[], zp: number, raw: number[], t: number): number {
    const sm = this.smoother;
    const scale = this.scoreScale;
    // Only the best keyword may fire per inference: the first with the highest score
    // sum * scale / size. One scale and size serve every class, and integer sums below 2^52
    // keep their order through the two roundings (distinct sums differ by more than an ulp), so
    // the first largest sum * sign(scale) is that keyword; only its score is computed (a float
    // per class is a heap number on a device engine).
    const best = sm.push(out, zp, raw, this.mayFire, this.sign);
    if (best < 0) return NO_DETECTION;
    const size = sm.size();
    const sum = sm.sum(best);
    const bestScore = (sum * scale) / size;
    if (!this.trigger.check(bestScore, t)) return NO_DETECTION;
    if (this.eventCount === EVENT_CAPACITY) return DROPPED;
    const e = this.events[this.eventCount];
    e.keyword = this.labels[best];
    e.classIndex = best;
    e.score = bestScore;
    e.rawSum = sum;
    e.window = size;
    e.t = t;
    e.modelVersion = this.modelVersion;
    this.eventCount++;
    return DETECTED;
  }

  /** Detections since the last drain (the array is reused: copy what you keep). */
  pendingEvents(): number {
    return this.eventCount;
  }

  event(i: number): DetectionEvent {
    return this.events[i];
  }

  drainEvents(): void {
    this.eventCount = 0;
  }
}
