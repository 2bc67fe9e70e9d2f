import type { OperatingPoint } from "../../host/stream/match";

/** A DET point for tests that only read threshold, FRR and false accepts per hour. */
export function detPoint(threshold: number, frr: number, faPerHour: number): OperatingPoint {
  return {
    threshold,
    frr,
    fa_per_hour: faPerHour,
    fdr: 0,
    hits: 0,
    misses: 0,
    false_accepts: 0,
    detections: 0,
  };
}
