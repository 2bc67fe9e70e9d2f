/**
 * History-free Emscripten engines: eSpeak NG and GnuSpeech carry state from one utterance to the
 * next in their heap (C rand() streams, caches), so the same call gave slightly different audio
 * depending on what was said before. Restoring the heap as it was after start-up makes every
 * utterance depend only on its arguments, which resumable, order-free corpus generation needs.
 * Between calls no C frame is live, so the heap is the whole state.
 */
export interface EmscriptenHeap {
  /** Emscripten's view of the whole heap (replaced when memory grows). */
  HEAPU8: Uint8Array;
}

/** Snapshots the heap now; the returned function puts it back (memory grown since is zeroed). */
export function heapRestorer(m: EmscriptenHeap): () => void {
  const pristine = m.HEAPU8.slice();
  return () => {
    const heap = m.HEAPU8;
    heap.set(pristine);
    if (heap.length > pristine.length) heap.fill(0, pristine.length);
  };
}
