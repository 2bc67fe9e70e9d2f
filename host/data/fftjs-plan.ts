/**
 * An fft.js plan's tables as typed arrays, for the native addon's transcription of fft.js
 * (host/native/c/fftjs.c), which must use the very twiddles and bit reversal the JS plan uses
 * (they come from Math.cos / Math.sin, whose last bits C's libm need not share).
 */
import type FFT from "fft.js";

/** The plan fields fft.js keeps (not part of its typed API). */
interface FftInternals {
  table: number[];
  _bitrev: number[];
  _width: number;
}

export interface FftjsPlanTables {
  /** cos, -sin pairs: 2 x size values. */
  table: Float64Array;
  bitrev: Int32Array;
  width: number;
}

export function fftjsPlanTables(fft: FFT): FftjsPlanTables {
  const f = fft as unknown as FftInternals;
  return { table: Float64Array.from(f.table), bitrev: Int32Array.from(f._bitrev), width: f._width };
}
