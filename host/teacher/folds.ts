import { createHash } from "node:crypto";

/**
 * Cross-fitting for the teacher's soft labels (issue 10). A head scoring clips it trained on
 * agrees with their labels almost always (98.4% measured), so its soft labels carry nothing the
 * hard label does not. Instead the train speakers are dealt into K folds; head k trains on every
 * fold but k and labels only fold k's clips, which it has never heard, as the student's test
 * speakers will be. A clip's fold comes from its speaker (all of a speaker's clips and their
 * augmented copies land in one fold), or from its own id when it has no speaker (silence cut from
 * noise).
 */

/** Fold of one key (a speaker id, or a clip id without one): a salted hash, stable across runs. */
export function foldOf(key: string, folds: number, salt = "earshot-crossfit"): number {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`cross-fitting needs at least 2 folds (got ${folds})`);
  const h = createHash("sha1").update(`${salt}:${key}`, "utf8").digest();
  return h.readUInt32BE(0) % folds;
}

/** Fold of every row, from each row's key. */
export function assignFolds(keys: readonly string[], folds: number): Int32Array {
  return Int32Array.from(keys, (k) => foldOf(k, folds));
}

/** Row indices head `fold` trains on (every other fold) and the rows it labels (its own). */
export function foldRows(assign: Int32Array, fold: number): { train: number[]; label: number[] } {
  const train: number[] = [];
  const label: number[] = [];
  for (const [i, f] of assign.entries()) (f === fold ? label : train).push(i);
  return { train, label };
}
