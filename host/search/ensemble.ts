/**
 * Binary ensembles from a search's results (seed 000 §IV-C): the `archs` binary architectures
 * with the smallest size the search trained, regardless of their accuracy; for each, members =
 * its trainings with seeds 0..K-1 (no selection on their own accuracy), combined with equal
 * weight (mean of the members' probabilities), for every ensemble size K asked (seed 000: 2 and
 * 3). Members the search already trained are reused; the others are trained with the search's
 * budget. Each ensemble becomes a record with the members' costs added up.
 *
 * Resumable: finished ensembles are skipped by key, trained members are found again by the
 * hooks.
 */
import { loadCalibration, predictInstrPerSecond } from "./cost-model";
import { SearchError } from "./errors";
import type { Arch, Candidate } from "./space";
import type { CandidateRecord, EnsembleRecord } from "./store";

/** A trained member: its exported file and its record. */
export interface Member {
  /** Path to open. */
  file: string;
  /** The file as the record names it (relative to the search folder). */
  name: string;
  bytes: number;
  record: CandidateRecord;
}

export interface MemberJob {
  candidate: Candidate;
  key: string;
  seed: number;
}

/** What scoring a set of member files gives: each alone and each leading group of `sizes`. */
export interface MemberScoring {
  n: number;
  members: number[];
  /** Accuracy of the ensemble of the first k members, for each k asked. */
  ensembles: Map<number, number>;
}

export interface EnsembleOptions {
  /** How many of the smallest binary architectures. */
  archs: number;
  /** Ensemble sizes (members per ensemble), each at least 2. */
  sizes: number[];
}

export interface EnsembleHooks {
  /** Ensemble keys already recorded. */
  done: Set<string>;
  /** A member trained before (by the search or an earlier run), or null. */
  member(key: string, seed: number): Member | null;
  /** Trains the missing members (in parallel, any order). */
  train(jobs: MemberJob[]): Promise<Member[]>;
  /** Scores the files on the search's test subset. */
  score(files: string[], sizes: number[]): Promise<MemberScoring>;
  onRecord(r: EnsembleRecord): void;
  /** An architecture whose ensembles cannot be built (a member without a file). */
  onSkip?(key: string, why: string): void;
}

export const ensembleKey = (memberKey: string, k: number) => `${k}x ${memberKey}`;

/**
 * The `n` smallest binary architectures the iterative search trained (one record per
 * architecture, by KiB at the stored width, ties by key), whatever their accuracy.
 */
export function smallestBinary(records: CandidateRecord[], n: number): CandidateRecord[] {
  const byKey = new Map<string, CandidateRecord>();
  for (const r of records)
    if (r.search === "iterative" && r.family === "binary" && !byKey.has(r.key)) byKey.set(r.key, r);
  return [...byKey.values()]
    .sort((a, b) => a.kib - b.kib || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, n);
}

/** The record of the ensemble of `members` (in seed order) scored `accuracy`. */
export function ensembleRecord(
  members: Member[],
  scoring: { n: number; members: number[]; accuracy: number },
  seconds: number,
): EnsembleRecord {
  const first = members[0].record;
  const sum = (f: (r: CandidateRecord) => number) => members.reduce((s, m) => s + f(m.record), 0);
  const fileKib = members.every((m) => m.record.file_kib !== null)
    ? sum((r) => r.file_kib as number)
    : null;
  const arenas = members.map((m) => m.record.arena_bytes);
  const macs = sum((r) => r.macs);
  const binaryMacs = sum((r) => r.binary_macs);
  const activations = sum((r) => r.activations);
  const cal = loadCalibration();
  return {
    search: "ensemble",
    key: ensembleKey(first.key, members.length),
    member_key: first.key,
    family: first.family,
    bits: first.bits,
    config: { ...first.config },
    members: members.length,
    seeds: members.map((m) => m.record.seed),
    files: members.map((m) => m.name),
    member_accuracies: scoring.members,
    accuracy: scoring.accuracy,
    n: scoring.n,
    kib: sum((r) => r.kib),
    file_kib: fileKib,
    file_bytes: members.reduce((s, m) => s + m.bytes, 0),
    macs,
    binary_macs: binaryMacs,
    activations,
    arena_bytes: arenas.every((a) => a !== null) ? Math.max(...(arenas as number[])) : null,
    // Members share the front end (c0 once) and each runs its own inferences.
    device_instr_per_s: cal
      ? predictInstrPerSecond({ int8Macs: macs - binaryMacs, binaryMacs, activations }, cal)
      : null,
    seconds,
  };
}

export async function buildEnsembles(
  records: CandidateRecord[],
  o: EnsembleOptions,
  h: EnsembleHooks,
): Promise<EnsembleRecord[]> {
  if (o.sizes.some((k) => !Number.isInteger(k) || k < 2))
    throw new SearchError(
      `ensemble sizes must be integers of at least 2 (got ${o.sizes.join(",")})`,
    );
  const sizes = [...new Set(o.sizes)].sort((a, b) => a - b);
  const maxK = sizes[sizes.length - 1];
  const archs = smallestBinary(records, o.archs);
  if (archs.length === 0)
    throw new SearchError(
      "the search holds no trained binary candidate (run earshot search iterative --family binary first)",
    );
  const todo = archs.filter((a) => sizes.some((k) => !h.done.has(ensembleKey(a.key, k))));
  const jobs: MemberJob[] = [];
  for (const a of todo)
    for (let seed = 0; seed < maxK; seed++)
      if (!h.member(a.key, seed))
        jobs.push({
          candidate: { family: a.family, arch: a.config as unknown as Arch },
          key: a.key,
          seed,
        });
  const trained = jobs.length ? await h.train(jobs) : [];
  const find = (key: string, seed: number) =>
    h.member(key, seed) ??
    trained.find((m) => m.record.key === key && m.record.seed === seed) ??
    null;
  const out: EnsembleRecord[] = [];
  for (const a of todo) {
    const members = [...Array(maxK).keys()].map((s) => find(a.key, s));
    const missing = members.indexOf(null);
    if (missing >= 0) {
      h.onSkip?.(a.key, `seed ${missing} has no exported file`);
      continue;
    }
    const ms = members as Member[];
    const t0 = performance.now();
    const scoring = await h.score(
      ms.map((m) => m.file),
      sizes,
    );
    const seconds = (performance.now() - t0) / 1000;
    for (const k of sizes) {
      if (h.done.has(ensembleKey(a.key, k))) continue;
      const acc = scoring.ensembles.get(k);
      if (acc === undefined) throw new SearchError(`no score for the ${k}-member ensemble`);
      const r = ensembleRecord(
        ms.slice(0, k),
        { n: scoring.n, members: scoring.members.slice(0, k), accuracy: acc },
        seconds,
      );
      h.onRecord(r);
      h.done.add(r.key);
      out.push(r);
    }
  }
  return out;
}
