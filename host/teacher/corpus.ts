import type { Augmenter } from "../data/augment";
import type { ClipLoader } from "../data/clip";
import { exampleId } from "../data/example-id";
import type { Rng } from "../data/rng";
import type { Example } from "../data/task";
import { WavError } from "../data/wav/read";
import { EMBED_SIZE, type Embedder } from "./embed";
import type { EmbeddedSet } from "./head";

/**
 * Embeds task examples for the head: each clip once as it is, plus `copies` augmented versions
 * when an augmenter is given (the embedding is frozen, so augmentation has to happen in audio,
 * before it). Unreadable files are skipped and counted, as loadSplit does.
 */

export interface EmbedOptions {
  augment?: { augmenter: Augmenter; copies: number; rng: Rng };
  onProgress?: (done: number, total: number) => void;
}

export async function embedExamples(
  embedder: Embedder,
  loader: ClipLoader,
  examples: readonly Example[],
  datasetRoot: string,
  opts: EmbedOptions = {},
): Promise<EmbeddedSet & { failed: number }> {
  const copies = opts.augment?.copies ?? 0;
  const rows: Float32Array[] = [];
  const y: number[] = [];
  const ids: string[] = [];
  let failed = 0;
  for (let i = 0; i < examples.length; i++) {
    const ex = examples[i];
    let clip: Float32Array;
    try {
      clip = loader.load(ex);
    } catch (err) {
      if (!(err instanceof WavError)) throw err;
      failed++;
      continue;
    }
    const id = exampleId(ex, datasetRoot);
    const versions = [clip];
    for (let k = 0; k < copies; k++) {
      const a = opts.augment as NonNullable<EmbedOptions["augment"]>;
      versions.push(a.augmenter.apply(clip, a.rng.fork(`${id}#${k}`)));
    }
    for (const v of versions) {
      rows.push(await embedder.embedClip(v));
      y.push(ex.label);
      ids.push(id);
    }
    opts.onProgress?.(i + 1, examples.length);
  }
  const x = new Float32Array(rows.length * EMBED_SIZE);
  for (const [i, r] of rows.entries()) x.set(r, i * EMBED_SIZE);
  return { x, y: Int32Array.from(y), ids, failed };
}
