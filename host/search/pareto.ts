/**
 * Pareto fronts of trained candidates: accuracy (higher is better) against a cost (lower is
 * better): KiB at the stored bit width, MACs per inference, predicted device instructions per
 * audio second. A candidate (one config) is scored by the seed with the best validation
 * accuracy, so the choice is not made on the test set; its accuracy is that seed's test
 * accuracy of the exported integer file (device semantics) or, for float and failed exports,
 * of the tfjs model. Ensembles (`earshot search ensemble`) are points of their own series.
 */
import { loadCalibration, predictInstrPerSecond } from "./cost-model";
import type { CandidateRecord, EnsembleRecord } from "./store";

export const OBJECTIVES = ["kib", "macs", "device_instr_per_s"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface ParetoPoint {
  config: Record<string, unknown>;
  accuracy: number;
  kib: number;
  macs: number;
  device_instr_per_s: number | null;
}

export interface Fronts {
  fronts: Record<Objective, ParetoPoint[]>;
}

/** One point per candidate (key): its best-validation seed. */
export function candidatePoints(records: CandidateRecord[]): ParetoPoint[] {
  const byKey = new Map<string, CandidateRecord>();
  for (const r of records) {
    const acc = r.int_accuracy ?? r.accuracy;
    if (acc === null || acc === undefined) continue;
    const prev = byKey.get(r.key);
    if (!prev || (r.val_accuracy ?? -1) > (prev.val_accuracy ?? -1)) byKey.set(r.key, r);
  }
  const cal = loadCalibration();
  return [...byKey.values()].map((r) => ({
    config: { key: r.key, family: r.family, bits: r.bits, ...r.config, seed: r.seed },
    accuracy: (r.int_accuracy ?? r.accuracy) as number,
    kib: r.kib,
    macs: r.macs,
    // The device runtime runs integer files only: a float model has no device cost.
    device_instr_per_s:
      r.family === "float"
        ? null
        : (r.device_instr_per_s ??
          (cal && r.activations !== undefined
            ? predictInstrPerSecond(
                {
                  int8Macs: r.macs - r.binary_macs,
                  binaryMacs: r.binary_macs,
                  activations: r.activations,
                },
                cal,
              )
            : null)),
  }));
}

/** One point per ensemble, in the series `<family> ensemble`. */
export function ensemblePoints(records: EnsembleRecord[]): ParetoPoint[] {
  const cal = loadCalibration();
  return records.map((r) => ({
    config: {
      key: r.key,
      family: r.family,
      series: `${r.family} ensemble`,
      bits: r.bits,
      ...r.config,
      members: r.members,
      seeds: r.seeds,
      member_accuracies: r.member_accuracies,
    },
    accuracy: r.accuracy,
    kib: r.kib,
    macs: r.macs,
    device_instr_per_s:
      r.device_instr_per_s ??
      (cal
        ? predictInstrPerSecond(
            {
              int8Macs: r.macs - r.binary_macs,
              binaryMacs: r.binary_macs,
              activations: r.activations,
            },
            cal,
          )
        : null),
  }));
}

/** The series a point is drawn in: its family, or e.g. `binary ensemble`. */
export const seriesOf = (p: ParetoPoint) => String(p.config.series ?? p.config.family);

/**
 * The non-dominated points for `cost`: sorted by cost, each more accurate than every cheaper
 * one (equal cost: the more accurate only). Points without that cost are left out.
 */
export function paretoFront<T extends { accuracy: number }>(
  points: T[],
  cost: (p: T) => number | null,
): T[] {
  const withCost = points
    .filter((p) => cost(p) !== null && Number.isFinite(cost(p) as number))
    .sort((a, b) => (cost(a) as number) - (cost(b) as number) || b.accuracy - a.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of withCost) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

export function fronts(points: ParetoPoint[]): Fronts {
  const out = {} as Fronts["fronts"];
  for (const o of OBJECTIVES) out[o] = paretoFront(points, (p) => p[o]);
  return { fronts: out };
}
