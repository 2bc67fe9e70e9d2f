/**
 * Random equalisation: a cascade of peaking biquads (Robert Bristow-Johnson's audio EQ
 * cookbook), standing in for the different microphones, enclosures and rooms a fleet hears.
 * A deep, narrow band is a band-stop.
 */
import type { Rng } from "./rng";
import { TARGET_RATE } from "./wav/read";

export interface PeakingBand {
  /** Centre frequency, Hz (below Nyquist). */
  hz: number;
  gainDb: number;
  /** Quality factor (bandwidth = hz / q). */
  q: number;
}

/** `x` through a peaking biquad per band, in order (direct form I, float64 state). */
export function equalize(
  x: Float32Array,
  bands: readonly PeakingBand[],
  rate = TARGET_RATE,
): Float32Array {
  let cur = Float64Array.from(x);
  for (const b of bands) {
    if (!(b.hz > 0 && b.hz < rate / 2 && b.q > 0 && Number.isFinite(b.gainDb)))
      throw new RangeError(
        `equalize: band needs 0 < hz < ${rate / 2}, q > 0 and a finite gain (got ${JSON.stringify(b)})`,
      );
    const a = 10 ** (b.gainDb / 40);
    const w0 = (2 * Math.PI * b.hz) / rate;
    const alpha = Math.sin(w0) / (2 * b.q);
    const cos = Math.cos(w0);
    const a0 = 1 + alpha / a;
    const b0 = (1 + alpha * a) / a0;
    const b1 = (-2 * cos) / a0;
    const b2 = (1 - alpha * a) / a0;
    const a1 = (-2 * cos) / a0;
    const a2 = (1 - alpha / a) / a0;
    const next = new Float64Array(cur.length);
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < cur.length; i++) {
      const v = cur[i];
      const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = v;
      y2 = y1;
      y1 = y;
      next[i] = y;
    }
    cur = next;
  }
  return Float32Array.from(cur);
}

export interface RandomEqConfig {
  /** Chance a clip is equalised. */
  probability: number;
  /** Number of peaking bands, drawn uniformly from [lo, hi]. */
  bands: [number, number];
  /** Largest boost or cut of a band, dB. */
  maxGainDb: number;
  /** Chance of one extra band-stop (a -20..-30 dB notch). */
  bandStop: number;
}

/** Bands drawn for one clip: centres log-uniform over 100 Hz..6 kHz, q in [0.5, 2]. */
export function drawBands(c: RandomEqConfig, rng: Rng): PeakingBand[] {
  const count = c.bands[0] + rng.int(c.bands[1] - c.bands[0] + 1);
  const centre = () => 100 * 60 ** rng.next();
  const bands: PeakingBand[] = [];
  for (let i = 0; i < count; i++)
    bands.push({
      hz: centre(),
      gainDb: rng.uniform(-c.maxGainDb, c.maxGainDb),
      q: rng.uniform(0.5, 2),
    });
  if (rng.next() < c.bandStop)
    bands.push({ hz: centre(), gainDb: rng.uniform(-30, -20), q: rng.uniform(2, 6) });
  return bands;
}
