/**
 * Device cost model: instructions per second of audio on the device runtime (Duktape host with
 * C kernels, the figure bench:device counts under callgrind), predicted from a model's MACs:
 *
 *   instr/s = c0 + r · (c_int8 · int8 MACs + c_bin · binary MACs + c_act · activation elements)
 *
 * with r inferences per second (stride 10 frames = every 100 ms: r = 10). c0 is the front end,
 * smoothing and per-inference overhead; the coefficients are fitted by least squares on models
 * measured under callgrind (`npx tsx bench/device-cost/run.ts` writes device-cost.json) and the
 * file states the fit's error on those points.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface CostFeatures {
  /** MACs per inference done by int8 (and wider) kernels. */
  int8Macs: number;
  /** ±1 MACs per inference done by XNOR + popcount. */
  binaryMacs: number;
  /** Activation elements written per inference (every op's output). */
  activations: number;
}

export interface CostCalibration {
  /** Inferences per second of audio the coefficients were measured at. */
  inferencesPerSecond: number;
  c0: number;
  cInt8: number;
  cBin: number;
  cAct: number;
  /** The measured points and the fit's error on them (leave-one-out). */
  points: { name: string; features: CostFeatures; measured: number; predicted: number }[];
  error: { meanAbsRel: number; maxAbsRel: number; looMaxAbsRel: number };
  measuredWith: string;
}

export const CALIBRATION_FILE = join(import.meta.dirname, "device-cost.json");

export function loadCalibration(path = CALIBRATION_FILE): CostCalibration | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as CostCalibration;
}

export function predictInstrPerSecond(
  f: CostFeatures,
  c: Pick<CostCalibration, "c0" | "cInt8" | "cBin" | "cAct" | "inferencesPerSecond">,
): number {
  const perInference = c.cInt8 * f.int8Macs + c.cBin * f.binaryMacs + c.cAct * f.activations;
  return c.c0 + c.inferencesPerSecond * perInference;
}

/** Solves the normal equations A^T A x = A^T y (Gaussian elimination with partial pivoting). */
export function leastSquares(rows: number[][], y: number[]): number[] {
  const n = rows[0].length;
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) =>
      rows.reduce((s, r, k) => s + r[i] * (j < n ? r[j] : y[k]), 0),
    ),
  );
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    if (Math.abs(m[c][c]) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row, i) => (Math.abs(row[i]) < 1e-300 ? 0 : row[n] / row[i]));
}

/**
 * Fits c0, cInt8, cBin, cAct to measured points. Columns are scaled to unit size first (MACs
 * are ~1e6, the constant 1), so the solve is well conditioned.
 */
export function fitCalibration(
  points: { name: string; features: CostFeatures; measured: number }[],
  inferencesPerSecond: number,
  measuredWith: string,
): CostCalibration {
  const design = (f: CostFeatures) => [
    1,
    inferencesPerSecond * f.int8Macs,
    inferencesPerSecond * f.binaryMacs,
    inferencesPerSecond * f.activations,
  ];
  const solve = (pts: typeof points) => {
    const rows = pts.map((p) => design(p.features));
    const scale = rows[0].map((_, j) => Math.max(1e-12, ...rows.map((r) => Math.abs(r[j]))));
    const x = leastSquares(
      rows.map((r) => r.map((v, j) => v / scale[j])),
      pts.map((p) => p.measured),
    );
    const [c0, cInt8, cBin, cAct] = x.map((v, j) => v / scale[j]);
    return { c0, cInt8, cBin, cAct, inferencesPerSecond };
  };
  const c = solve(points);
  const rel = (p: { features: CostFeatures; measured: number }, cc: typeof c) =>
    Math.abs(predictInstrPerSecond(p.features, cc) - p.measured) / p.measured;
  const errs = points.map((p) => rel(p, c));
  const loo =
    points.length > 4
      ? points.map((p, i) => rel(p, solve(points.filter((_, j) => j !== i))))
      : [Number.NaN];
  return {
    ...c,
    points: points.map((p) => ({ ...p, predicted: predictInstrPerSecond(p.features, c) })),
    error: {
      meanAbsRel: errs.reduce((a, b) => a + b, 0) / errs.length,
      maxAbsRel: Math.max(...errs),
      looMaxAbsRel: Math.max(...loo),
    },
    measuredWith,
  };
}
