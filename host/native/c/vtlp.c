/*
 * The vocal tract warp's phase vocoder (host/data/voice-warp.ts vtlpWarp) in C, for the
 * trainer's augmentation: every operation of the TS on the same operands in the same order, so
 * the same float32 output bit for bit (compiled with -ffp-contract=off). The tables whose values
 * come from Math (fft.js's twiddles and bit reversal, the window, fast-trig's atan / cos / sin
 * tables) and the per-call bin mapping are the TS's, passed in; this file only runs the frames.
 *
 * The FFTs are fft.js's radix-4 realTransform and inverseTransform (the paths a power-of-two
 * size with an odd exponent takes: 512 points), transcribed operation for operation.
 *
 * vtlpWarpFrames(x: Float32Array, y: Float32Array, tables: Float64Array, ints: Int32Array)
 *   tables: [win (n), norm (len + 2n), fftTable (2n), frac (h), consts (12), atan (17),
 *            cos (128), sin (128), tail (3)]; ints: [n, width, bitrev (n), k0 (h), k1 (h),
 *            nearest (h)],
 *   h = n / 2 + 1; then [stepLo, halfPi, pi] after the sin table. consts: alpha, identity (0/1),
 *   nyquist, boundary, upperSlope, invTwoPi, invHop, hzPerOmega, hopOmegaPerHz, twoPi, invStep,
 *   stepHi. Every index is checked before the frames run.
 */
/* GCC 12 at -O2/-O3 with -march=native vectorizes these butterflies into code whose results
 * differ from the scalar operations in the last bits, -ffp-contract=off notwithstanding
 * (measured: ~300 of 514 spectrum values); unvectorized, they are the TS's bit for bit. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtlp.h"

enum { ATAN_STEPS = 16, TURN_STEPS = 128, N_CONSTS = 12, N_TAIL = 3 };

typedef struct {
  const double *table; /* fft.js table: cos, -sin pairs */
  const int32_t *bitrev;
  int32_t width, csize;
} fft_plan;

/* The pre-final values of one radix-4 butterfly of fft.js's later stages (shared by its
 * real and complex transforms): points A..D of out, twiddles of table at k (the sine's sign by
 * inv), into T = [T0r, T0i, T1r, T1i, T2r, T2i, T3r, T3i]. */
static inline void quad_terms(const double *out, int32_t A, int32_t B, int32_t C, int32_t D,
                              const double *table, int32_t k, double inv, double *T) {
  const double Ar = out[A], Ai = out[A + 1], Br = out[B], Bi = out[B + 1];
  const double Cr = out[C], Ci = out[C + 1], Dr = out[D], Di = out[D + 1];
  const double MAr = Ar, MAi = Ai;
  const double tableBr = table[k], tableBi = inv * table[k + 1];
  const double MBr = Br * tableBr - Bi * tableBi, MBi = Br * tableBi + Bi * tableBr;
  const double tableCr = table[2 * k], tableCi = inv * table[2 * k + 1];
  const double MCr = Cr * tableCr - Ci * tableCi, MCi = Cr * tableCi + Ci * tableCr;
  const double tableDr = table[3 * k], tableDi = inv * table[3 * k + 1];
  const double MDr = Dr * tableDr - Di * tableDi, MDi = Dr * tableDi + Di * tableDr;
  const double T0r = MAr + MCr, T0i = MAi + MCi, T1r = MAr - MCr, T1i = MAi - MCi;
  const double T2r = MBr + MDr, T2i = MBi + MDi;
  const double T3r = inv * (MBr - MDr), T3i = inv * (MBi - MDi);
  T[0] = T0r;
  T[1] = T0i;
  T[2] = T1r;
  T[3] = T1i;
  T[4] = T2r;
  T[5] = T2i;
  T[6] = T3r;
  T[7] = T3i;
}

/* fft.js FFT.prototype._realTransform4 (inv 0): out (2n) from real data (n). */
static void real_transform(const fft_plan *p, double *out, const double *data) {
  const int32_t size = p->csize;
  int32_t step = 1 << p->width;
  int32_t len = (size / step) << 1;
  const double inv = 1;
  if (len == 4) {
    for (int32_t outOff = 0, t = 0; outOff < size; outOff += len, t++) {
      const int32_t off = (int32_t)((uint32_t)p->bitrev[t] >> 1), st = (int32_t)((uint32_t)step >> 1);
      const double evenR = data[off], oddR = data[off + st];
      const double leftR = evenR + oddR, rightR = evenR - oddR;
      out[outOff] = leftR;
      out[outOff + 1] = 0;
      out[outOff + 2] = rightR;
      out[outOff + 3] = 0;
    }
  } else {
    for (int32_t outOff = 0, t = 0; outOff < size; outOff += len, t++) {
      const int32_t off = (int32_t)((uint32_t)p->bitrev[t] >> 1), st = (int32_t)((uint32_t)step >> 1);
      const int32_t st2 = st * 2, st3 = st * 3;
      const double Ar = data[off], Br = data[off + st], Cr = data[off + st2], Dr = data[off + st3];
      const double T0r = Ar + Cr, T1r = Ar - Cr, T2r = Br + Dr, T3r = inv * (Br - Dr);
      const double FAr = T0r + T2r, FBr = T1r, FBi = -T3r, FCr = T0r - T2r, FDr = T1r, FDi = T3r;
      out[outOff] = FAr;
      out[outOff + 1] = 0;
      out[outOff + 2] = FBr;
      out[outOff + 3] = FBi;
      out[outOff + 4] = FCr;
      out[outOff + 5] = 0;
      out[outOff + 6] = FDr;
      out[outOff + 7] = FDi;
    }
  }
  const double *table = p->table;
  for (step >>= 2; step >= 2; step >>= 2) {
    len = (size / step) << 1;
    const int32_t halfLen = len >> 1, quarterLen = halfLen >> 1, hquarterLen = quarterLen >> 1;
    for (int32_t outOff = 0; outOff < size; outOff += len) {
      for (int32_t i = 0, k = 0; i <= hquarterLen; i += 2, k += step) {
        const int32_t A = outOff + i, B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
        double T[8];
        quad_terms(out, A, B, C, D, table, k, inv, T);
        const double T0r = T[0], T0i = T[1], T1r = T[2], T1i = T[3];
        const double T2r = T[4], T2i = T[5], T3r = T[6], T3i = T[7];
        out[A] = T0r + T2r;
        out[A + 1] = T0i + T2i;
        out[B] = T1r + T3i;
        out[B + 1] = T1i - T3r;
        if (i == 0) {
          out[C] = T0r - T2r;
          out[C + 1] = T0i - T2i;
          continue;
        }
        if (i == hquarterLen) continue;
        const double ST0r = T1r, ST0i = -T1i, ST1r = T0r, ST1i = -T0i;
        const double ST2r = -inv * T3i, ST2i = -inv * T3r, ST3r = -inv * T2i, ST3i = -inv * T2r;
        const int32_t SA = outOff + quarterLen - i, SB = outOff + halfLen - i;
        out[SA] = ST0r + ST2r;
        out[SA + 1] = ST0i + ST2i;
        out[SB] = ST1r + ST3i;
        out[SB + 1] = ST1i - ST3r;
      }
    }
  }
}

/* fft.js FFT.prototype.inverseTransform: _transform4 with inv 1, then out[i] /= n. */
static void inverse_transform(const fft_plan *p, double *out, const double *data, int32_t n) {
  const int32_t size = p->csize;
  int32_t step = 1 << p->width;
  int32_t len = (size / step) << 1;
  const double inv = -1;
  if (len == 4) {
    for (int32_t outOff = 0, t = 0; outOff < size; outOff += len, t++) {
      const int32_t off = p->bitrev[t];
      const double evenR = data[off], evenI = data[off + 1];
      const double oddR = data[off + step], oddI = data[off + step + 1];
      out[outOff] = evenR + oddR;
      out[outOff + 1] = evenI + oddI;
      out[outOff + 2] = evenR - oddR;
      out[outOff + 3] = evenI - oddI;
    }
  } else {
    for (int32_t outOff = 0, t = 0; outOff < size; outOff += len, t++) {
      const int32_t off = p->bitrev[t], step2 = step * 2, step3 = step * 3;
      const double Ar = data[off], Ai = data[off + 1], Br = data[off + step], Bi = data[off + step + 1];
      const double Cr = data[off + step2], Ci = data[off + step2 + 1];
      const double Dr = data[off + step3], Di = data[off + step3 + 1];
      const double T0r = Ar + Cr, T0i = Ai + Ci, T1r = Ar - Cr, T1i = Ai - Ci;
      const double T2r = Br + Dr, T2i = Bi + Di, T3r = inv * (Br - Dr), T3i = inv * (Bi - Di);
      out[outOff] = T0r + T2r;
      out[outOff + 1] = T0i + T2i;
      out[outOff + 2] = T1r + T3i;
      out[outOff + 3] = T1i - T3r;
      out[outOff + 4] = T0r - T2r;
      out[outOff + 5] = T0i - T2i;
      out[outOff + 6] = T1r - T3i;
      out[outOff + 7] = T1i + T3r;
    }
  }
  const double *table = p->table;
  for (step >>= 2; step >= 2; step >>= 2) {
    len = (size / step) << 1;
    const int32_t quarterLen = (int32_t)((uint32_t)len >> 2);
    for (int32_t outOff = 0; outOff < size; outOff += len) {
      const int32_t limit = outOff + quarterLen;
      for (int32_t i = outOff, k = 0; i < limit; i += 2, k += step) {
        const int32_t A = i, B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
        double T[8];
        quad_terms(out, A, B, C, D, table, k, inv, T);
        const double T0r = T[0], T0i = T[1], T1r = T[2], T1i = T[3];
        const double T2r = T[4], T2i = T[5], T3r = T[6], T3i = T[7];
        out[A] = T0r + T2r;
        out[A + 1] = T0i + T2i;
        out[B] = T1r + T3i;
        out[B + 1] = T1i - T3r;
        out[C] = T0r - T2r;
        out[C + 1] = T0i - T2i;
        out[D] = T1r - T3i;
        out[D + 1] = T1i + T3r;
      }
    }
  }
  for (int32_t i = 0; i < size; i++) out[i] /= n;
}

typedef struct {
  const double *atan, *cos, *sin;
  double halfPi, pi, invStep, stepHi, stepLo;
} trig;

/* fast-trig.ts round: Math.round but +0 for -0. */
static inline double round_half_up(double v) {
  const double f = floor(v);
  return f + (double)(v - f >= 0.5);
}

/* fast-trig.ts atan2. */
static double fast_atan2(const trig *tr, double y, double x) {
  const double ax = fabs(x), ay = fabs(y);
  const double swap = (double)(ay > ax);
  const double lo = swap * ax + (1 - swap) * ay;
  const double hi = swap * ay + (1 - swap) * ax;
  if (!(lo > 0 && hi < INFINITY)) return atan2(y, x);
  const int32_t i = (int32_t)((lo / hi) * ATAN_STEPS + 0.5);
  const double c = (double)i / ATAN_STEPS;
  const double u = (lo - c * hi) / (hi + c * lo);
  const double u2 = u * u;
  double a = tr->atan[i] +
             u * (1 - u2 * (1.0 / 3 - u2 * (1.0 / 5 - u2 * (1.0 / 7 - u2 * (1.0 / 9)))));
  a = swap * tr->halfPi + (1 - 2 * swap) * a;
  const double left = (double)(x < 0);
  a = left * tr->pi + (1 - 2 * left) * a;
  return (1 - 2 * (double)(y < 0)) * a;
}

/* fast-trig.ts polarInto. */
static inline void polar_into(const trig *tr, double m, double angle, double *re, double *im, int32_t at) {
  const double k = round_half_up(angle * tr->invStep);
  const double r = angle - k * tr->stepHi - k * tr->stepLo;
  const double r2 = r * r;
  const double s = r * (1 - r2 * (1.0 / 6 - r2 * (1.0 / 120 - r2 * (1.0 / 5040))));
  const double c = 1 - r2 * (1.0 / 2 - r2 * (1.0 / 24 - r2 * (1.0 / 720)));
  /* JS: k & 127 on the int32 of k (|k| is small: the angle is within a turn or so). */
  const int32_t i = ((int32_t)k) & (TURN_STEPS - 1);
  const double ct = tr->cos[i], st = tr->sin[i];
  re[at] = m * (ct * c - st * s);
  im[at] = m * (st * c + ct * s);
}

static napi_value n_vtlp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_typedarray_type tx, ty, tt, ti;
  size_t nx = 0, ny = 0, nt = 0, ni = 0;
  void *dx = NULL, *dy = NULL, *dt = NULL, *di = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      napi_get_typedarray_info(env, argv[0], &tx, &nx, &dx, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &ty, &ny, &dy, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &tt, &nt, &dt, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &ti, &ni, &di, NULL, NULL) != napi_ok ||
      tx != napi_float32_array || ty != napi_float32_array || tt != napi_float64_array ||
      ti != napi_int32_array) {
    napi_throw_type_error(env, NULL,
                          "vtlpWarpFrames(x: Float32Array, y: Float32Array, tables: Float64Array, ints: Int32Array)");
    return NULL;
  }
  const int32_t *ints = di;
  if (ni < 2) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: ints too short");
    return NULL;
  }
  const int32_t n = ints[0], width = ints[1];
  const int64_t len = (int64_t)nx;
  if (n < 16 || n > 65536 || (n & (n - 1)) != 0 || width < 1 || width > 16 || ny != nx) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: bad size");
    return NULL;
  }
  const int32_t half = n / 2, hop = n / 4, h = half + 1;
  const int64_t plen = len + 2 * (int64_t)n;
  if (ni != (size_t)(2 + n + 3 * h) ||
      nt != (size_t)(n + plen + 2 * n + h + N_CONSTS + ATAN_STEPS + 1 + 2 * TURN_STEPS + N_TAIL)) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: tables or ints of the wrong length");
    return NULL;
  }
  const int32_t *bitrev = ints + 2, *k0 = bitrev + n, *k1 = k0 + h, *nearest = k1 + h;
  for (int32_t k = 0; k < h; k++)
    if (k0[k] < 0 || k0[k] > half || k1[k] < 0 || k1[k] > half || nearest[k] < 0 || nearest[k] > half) {
      napi_throw_range_error(env, NULL, "vtlpWarpFrames: bin index out of range");
      return NULL;
    }
  /* The initial FFT stage reads data[bitrev[t] .. + 3 steps]: every t it uses must be in range. */
  const int32_t csize = 2 * n, step0 = 1 << width, len0 = (csize / step0) << 1;
  if (len0 != 4 && len0 != 8) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: width does not fit the size");
    return NULL;
  }
  const int64_t reach = (len0 == 4 ? 1 : 3) * (int64_t)step0 + 1;
  for (int32_t t = 0; t < csize / len0; t++)
    if (bitrev[t] < 0 || (int64_t)bitrev[t] + reach >= csize) {
      napi_throw_range_error(env, NULL, "vtlpWarpFrames: bit reversal out of range");
      return NULL;
    }
  const double *win = dt, *norm = win + n, *fftTable = norm + plen, *frac = fftTable + 2 * n;
  const double *consts = frac + h;
  trig tr = {.atan = consts + N_CONSTS};
  tr.cos = tr.atan + ATAN_STEPS + 1;
  tr.sin = tr.cos + TURN_STEPS;
  const double *tail = tr.sin + TURN_STEPS;
  const double alpha = consts[0];
  const int identity = consts[1] != 0;
  const double nyquist = consts[2], boundary = consts[3], upperSlope = consts[4];
  const double invTwoPi = consts[5], invHop = consts[6], hzPerOmega = consts[7];
  const double hopOmegaPerHz = consts[8], twoPi = consts[9];
  tr.invStep = consts[10];
  tr.stepHi = consts[11];
  tr.stepLo = tail[0];
  tr.halfPi = tail[1];
  tr.pi = tail[2];
  const fft_plan plan = {.table = fftTable, .bitrev = bitrev, .width = width, .csize = csize};

  const int64_t frames = (plen - n) / hop + 1;
  double *buf = calloc((size_t)(2 * plen + n + 6 * (size_t)n + 9 * (size_t)h), sizeof(double));
  if (!buf) {
    napi_throw_error(env, NULL, "vtlpWarpFrames: out of memory");
    return NULL;
  }
  double *padded = buf, *out = padded + plen, *frame = out + plen, *spec = frame + n;
  double *pair = spec + 2 * n, *back = pair + 2 * n, *mag = back + 2 * n, *phase = mag + h;
  double *lastPhase = phase + h, *outPhase = lastPhase + h, *advance = outPhase + h;
  double *wr[2] = {advance + h, advance + 2 * h}, *wi[2] = {advance + 3 * h, advance + 4 * h};
  const float *x = dx;
  float *y = dy;
  for (int64_t i = 0; i < len; i++) padded[n + i] = x[i];

  for (int64_t t = 0; t < frames; t++) {
    const int64_t start = t * hop;
    for (int32_t i = 0; i < n; i++) frame[i] = padded[start + i] * win[i];
    real_transform(&plan, spec, frame);
    for (int32_t k = 0; k <= half; k++) {
      const double re = spec[2 * k], im = spec[2 * k + 1];
      mag[k] = sqrt(re * re + im * im);
      phase[k] = fast_atan2(&tr, im, re);
    }
    const int slot = (int)(t & 1);
    double *outRe = wr[slot], *outIm = wi[slot];
    if (identity || t == 0) {
      for (int32_t k = 0; k <= half; k++) {
        const int32_t j = identity ? k : nearest[k];
        const int32_t a = k0[k];
        outPhase[k] = phase[j];
        polar_into(&tr, mag[a] + frac[k] * (mag[k1[k]] - mag[a]), phase[j], outRe, outIm, k);
      }
    } else {
      for (int32_t j = 0; j <= half; j++) {
        const double expected = ((twoPi * j) / n) * hop;
        double d = phase[j] - lastPhase[j] - expected;
        d -= twoPi * round_half_up(d * invTwoPi);
        const double f = ((twoPi * j) / n + d * invHop) * hzPerOmega;
        const double hz = f > 0 ? f : 0;
        const double g = hz <= boundary ? alpha * hz : nyquist - upperSlope * (nyquist - hz);
        advance[j] = g * hopOmegaPerHz;
      }
      for (int32_t k = 0; k <= half; k++) {
        const int32_t a = k0[k];
        const double p = outPhase[k] + advance[nearest[k]];
        const double wrapped = p - twoPi * round_half_up(p * invTwoPi);
        outPhase[k] = wrapped;
        polar_into(&tr, mag[a] + frac[k] * (mag[k1[k]] - mag[a]), wrapped, outRe, outIm, k);
      }
    }
    outIm[0] = 0;
    outIm[half] = 0;
    memcpy(lastPhase, phase, (size_t)h * sizeof(double));
    int64_t first = -1;
    int count = 0;
    if (slot == 1) {
      first = t - 1;
      count = 2;
    } else if (t == frames - 1) {
      first = t;
      count = 1;
    }
    if (count > 0) {
      const double *ar = wr[0], *br = wr[1], *ai = wi[0], *bi = wi[1];
      if (count == 2) {
        for (int32_t k = 0; k <= half; k++) {
          pair[2 * k] = ar[k] - bi[k];
          pair[2 * k + 1] = ai[k] + br[k];
        }
        for (int32_t k = 1; k < half; k++) {
          pair[2 * (n - k)] = ar[k] + bi[k];
          pair[2 * (n - k) + 1] = -ai[k] + br[k];
        }
      } else {
        for (int32_t k = 0; k <= half; k++) {
          pair[2 * k] = ar[k];
          pair[2 * k + 1] = ai[k];
        }
        for (int32_t k = 1; k < half; k++) {
          pair[2 * (n - k)] = ar[k];
          pair[2 * (n - k) + 1] = -ai[k];
        }
      }
      inverse_transform(&plan, back, pair, n);
      for (int f = 0; f < count; f++) {
        const int64_t at = (first + f) * hop;
        for (int32_t i = 0; i < n; i++) out[at + i] += back[2 * i + f] * win[i];
      }
    }
  }
  for (int64_t i = 0; i < len; i++) {
    const double w = norm[n + i];
    y[i] = (float)(w > 1e-9 ? out[n + i] / w : 0);
  }
  free(buf);
  return NULL;
}

napi_status vtlp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"vtlpWarpFrames", NULL, n_vtlp, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
