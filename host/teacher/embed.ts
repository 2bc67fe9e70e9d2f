import {
  findModelFiles,
  loadOrt,
  type ModelFiles,
  type Ort,
  type OrtSession,
  type RuntimeSources,
} from "./runtime";

/**
 * Google's speech embedding (as used by openWakeWord) over one 1 s keyword clip.
 *
 * openWakeWord feeds int16-scale audio to `melspectrogram.onnx`, scales its dB output by
 * x/10 + 2 (to match the TF Hub speech_embedding's own front end), and embeds every window of
 * 76 mel frames at a hop of 8 frames (80 ms). Its heads read 16 embeddings, i.e. about 2 s of
 * audio. A keyword clip is 1 s, so it is centred in 2 s of digital silence: 0.5 s either side,
 * which keeps the word away from both ends whatever its position inside the clip. 2 s gives 197
 * mel frames and so 16 windows, every one of which overlaps the clip (window i spans samples
 * 1280 i .. 1280 i + 12,400; the clip 8,000 .. 24,000): the sequence is the word as the
 * embedding sees it sliding past, and heads keep all 16 x 96 values in order (stacked, not
 * pooled) because where in the window a sound falls is part of what tells words apart.
 */

export const SAMPLE_RATE = 16_000;
/** Samples of the keyword clip the teacher expects (1 s). */
export const CLIP_SAMPLES = 16_000;
/** Samples the clip is centred in before the mel front end (2 s). */
export const CONTEXT_SAMPLES = 32_000;
export const MEL_BINS = 32;
/** Mel frames per embedding window, and the hop between windows (80 ms). */
export const WINDOW_FRAMES = 76;
export const HOP_FRAMES = 8;
export const EMBED_DIM = 96;
/** Mel frames of CONTEXT_SAMPLES (measured: the model gives 197 for 32,000 samples). */
export const MEL_FRAMES = 197;
/** Embedding frames per clip: floor((197 - 76) / 8) + 1. */
export const EMBED_FRAMES = Math.floor((MEL_FRAMES - WINDOW_FRAMES) / HOP_FRAMES) + 1;
/** Length of one clip's embedding sequence, EMBED_FRAMES x EMBED_DIM row-major. */
export const EMBED_SIZE = EMBED_FRAMES * EMBED_DIM;

/** Full scale of the int16 PCM the mel model was exported for. */
const INT16_SCALE = 32767;

/** The clip centred in CONTEXT_SAMPLES of silence, as int16 values in float32 (openWakeWord's input). */
export function contextWindow(audio16k: Float32Array): Float32Array {
  if (audio16k.length !== CLIP_SAMPLES)
    throw new RangeError(`teacher: expected ${CLIP_SAMPLES} samples, got ${audio16k.length}`);
  const out = new Float32Array(CONTEXT_SAMPLES);
  const at = (CONTEXT_SAMPLES - CLIP_SAMPLES) / 2;
  for (let i = 0; i < CLIP_SAMPLES; i++) {
    const v = Math.round(audio16k[i] * INT16_SCALE);
    out[at + i] = Math.max(-32768, Math.min(32767, v));
  }
  return out;
}

export interface EmbedderOptions extends RuntimeSources {
  /** Threads per ONNX session (default 1: the trainer owns the other core). */
  threads?: number;
}

export class Embedder {
  private constructor(
    private readonly ort: Ort,
    private readonly mel: OrtSession,
    private readonly embedding: OrtSession,
    readonly files: ModelFiles,
  ) {}

  /** Loads both models; throws TeacherUnavailableError when the optional packages are absent. */
  static async load(opts: EmbedderOptions = {}): Promise<Embedder> {
    const files = findModelFiles(opts.modelPackage);
    const ort = await loadOrt(opts.ortModule);
    const threads = opts.threads ?? 1;
    const so = { intraOpNumThreads: threads, interOpNumThreads: 1 };
    const mel = await ort.InferenceSession.create(files.melspectrogram, so);
    const embedding = await ort.InferenceSession.create(files.embedding, so);
    return new Embedder(ort, mel, embedding, files);
  }

  /** The embedding sequence of one 1 s clip: EMBED_FRAMES x EMBED_DIM, row-major. */
  async embedClip(audio16k: Float32Array): Promise<Float32Array> {
    const melOut = await this.mel.run({
      [this.mel.inputNames[0]]: new this.ort.Tensor("float32", contextWindow(audio16k), [
        1,
        CONTEXT_SAMPLES,
      ]),
    });
    const mel = melOut[this.mel.outputNames[0]];
    if (mel.data.length !== MEL_FRAMES * MEL_BINS)
      throw new Error(`teacher: mel model gave dims ${mel.dims}, expected ${MEL_FRAMES} x 32`);
    const windows = new Float32Array(EMBED_FRAMES * WINDOW_FRAMES * MEL_BINS);
    let w = 0;
    for (let f = 0; f < EMBED_FRAMES; f++) {
      const from = f * HOP_FRAMES * MEL_BINS;
      for (let k = 0; k < WINDOW_FRAMES * MEL_BINS; k++) windows[w++] = mel.data[from + k] / 10 + 2;
    }
    const dims = [EMBED_FRAMES, WINDOW_FRAMES, MEL_BINS, 1];
    const embOut = await this.embedding.run({
      [this.embedding.inputNames[0]]: new this.ort.Tensor("float32", windows, dims),
    });
    return Float32Array.from(embOut[this.embedding.outputNames[0]].data);
  }

  /**
   * embedClip over several clips, one after another: batching clips into one model call was
   * measured slower here (36 ms/clip alone, 50 at 8, 60 at 32 on one core).
   */
  async embedBatch(clips: readonly Float32Array[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const c of clips) out.push(await this.embedClip(c));
    return out;
  }

  async release(): Promise<void> {
    await this.mel.release();
    await this.embedding.release();
  }
}
