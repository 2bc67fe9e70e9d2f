/**
 * Where the suite finds speech clips. Real Speech Commands clips live beside the repository in
 * `../shared/speech` and are never committed; tests that need them put `NEEDS_SPEECH` in their
 * name and skip without them, and the summary reporter counts those skips loudly. The committed
 * fixtures under `test/fixtures/speech` (tiny generated clips in both real layouts) run on any
 * clone.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** `EARSHOT_SPEECH_DIR` points elsewhere (set it to a missing path to see a plain clone's run). */
export const SPEECH_DIR = resolve(
  process.env.EARSHOT_SPEECH_DIR ?? resolve(import.meta.dirname, "../../shared/speech"),
);
export const haveSpeech = existsSync(SPEECH_DIR);
/** Put in the name of every test or describe that skips without `../shared/speech`. */
export const NEEDS_SPEECH = "[needs ../shared/speech]";

/** Committed fixtures: `full` (lists + noise, 3 words x 5 speakers) and `test-set`. */
export const FIXTURE_SPEECH = {
  full: resolve(import.meta.dirname, "fixtures/speech/full"),
  testSet: resolve(import.meta.dirname, "fixtures/speech/test-set"),
};
