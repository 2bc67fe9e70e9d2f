import { readFileSync } from "node:fs";
import { loadBackend } from "../train/backend";
import { Embedder, type EmbedderOptions } from "./embed";
import { Head, type HeadFile, softmaxRows } from "./head";

/**
 * The whole teacher: frozen speech embedding + trained head, from 1 s of 16 kHz audio to class
 * probabilities. For distillation over augmented audio on the fly (`teacherProbs`) and for the
 * soft-label cache (softlabels.ts).
 */
export class Teacher {
  private constructor(
    readonly embedder: Embedder,
    readonly head: Head,
    readonly headFile: HeadFile,
  ) {}

  get labels(): string[] {
    return this.head.labels;
  }

  /** Loads a head saved by `earshot teacher train`; TeacherUnavailableError without the packages. */
  static async load(headPath: string, opts: EmbedderOptions = {}): Promise<Teacher> {
    // The packages first: without them the head file is of no use, and that is the message.
    const embedder = await Embedder.load(opts);
    await loadBackend({ quiet: true });
    const file = JSON.parse(readFileSync(headPath, "utf8")) as HeadFile;
    return new Teacher(embedder, Head.fromFile(file), file);
  }

  static fromParts(embedder: Embedder, head: Head, file: HeadFile): Teacher {
    return new Teacher(embedder, head, file);
  }

  /** Raw head outputs for one clip (one value per label). */
  async teacherLogits(audio16k: Float32Array): Promise<Float32Array> {
    return this.head.logits(await this.embedder.embedClip(audio16k));
  }

  /** Class probabilities of one 1 s clip, softened by `temperature` (1 = the head's own). */
  async teacherProbs(audio16k: Float32Array, temperature = 1): Promise<Float32Array> {
    return softmaxRows(await this.teacherLogits(audio16k), this.head.classes, temperature);
  }
}
