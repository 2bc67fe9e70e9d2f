/*
 * The vocal tract warp's phase vocoder (host/data/voice-warp.ts vtlpWarp) in C, for the
 * trainer's augmentation: every operation of the TS on the same operands in the same order, so
 * the same float32 output bit for bit (compiled with -ffp-contract=off). The tables whose values
 * come from Math (fft.js's twiddles and bit reversal, the window, fast-trig's atan / cos / sin
 * tables) and the per-call bin mapping are the TS's, passed in; this file only runs the frames.
 *
 * The FFTs are fft.js's realTransform and inverseTransform (fftjs.c).
 *
 * vtlpWarpFrames(x: Float32Array, y: Float32Array, tables: Float64Array, ints: Int32Array)
 *   tables: [win (n), norm (len + 2n), fftTable (2n), frac (h), consts (12), atan (17),
 *            cos (128), sin (128), tail (3)]; ints: [n, width, bitrev (n), k0 (h), k1 (h),
 *            nearest (h)],
 *   h = n / 2 + 1; then [stepLo, halfPi, pi] after the sin table. consts: alpha, identity (0/1),
 *   nyquist, boundary, upperSlope, invTwoPi, invHop, hzPerOmega, hopOmegaPerHz, twoPi, invStep,
 *   stepHi. Every index is checked before the frames run.
 */
/* As in fftjs.c: GCC 12 with -march=native vectorized complex products here into code that
 * differs from the scalar operations in the last bits; the frame loops stay scalar too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fast-trig.h"
#include "fftjs.h"
#include "scratch.h"
#include "vtlp.h"

enum { ATAN_STEPS = FAST_TRIG_ATAN_STEPS, TURN_STEPS = FAST_TRIG_TURN_STEPS, N_CONSTS = 12, N_TAIL = 3 };

/* The warp's frequency map and phase-vocoder constants (consts in the layout above). */
typedef struct {
  double alpha, nyquist, boundary, upperSlope, invTwoPi, invHop, hzPerOmega, hopOmegaPerHz, twoPi;
  int32_t n, hop;
} warp_map;

/* Magnitude and phase of bins 0..h-1 of spec (fft.js's interleaved re, im). */
static void mag_phase(const fast_trig *tr, const double *spec, double *mag, double *phase, int32_t h) {
  int32_t k = 0;
#ifdef FAST_TRIG_X4
  for (; k + 4 <= h; k += 4) {
    const __m256d v0 = _mm256_loadu_pd(spec + 2 * k), v1 = _mm256_loadu_pd(spec + 2 * k + 4);
    /* [r0 i0 r1 i1], [r2 i2 r3 i3] -> [r0 r1 r2 r3], [i0 i1 i2 i3] */
    const __m256d re = _mm256_permute4x64_pd(_mm256_unpacklo_pd(v0, v1), 0xD8);
    const __m256d im = _mm256_permute4x64_pd(_mm256_unpackhi_pd(v0, v1), 0xD8);
    _mm256_storeu_pd(mag + k, _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(re, re), _mm256_mul_pd(im, im))));
    _mm256_storeu_pd(phase + k, x4_atan2(tr, im, re));
  }
#endif
  for (; k < h; k++) {
    const double re = spec[2 * k], im = spec[2 * k + 1];
    mag[k] = sqrt(re * re + im * im);
    phase[k] = fast_atan2(tr, im, re);
  }
}

/* Each source bin's phase advance over a hop at its warped instantaneous frequency. */
static void phase_advance(const warp_map *w, const double *phase, const double *lastPhase,
                          double *advance, int32_t h) {
  const double twoPi = w->twoPi;
  const int32_t n = w->n, hop = w->hop;
  int32_t j = 0;
#ifdef FAST_TRIG_X4
  const __m256d vTwoPi = _mm256_set1_pd(twoPi), vn = _mm256_set1_pd((double)n);
  const __m256d vHop = _mm256_set1_pd((double)hop), zero = _mm256_setzero_pd();
  const __m256d invTwoPi = _mm256_set1_pd(w->invTwoPi), invHop = _mm256_set1_pd(w->invHop);
  const __m256d hzPerOmega = _mm256_set1_pd(w->hzPerOmega), alpha = _mm256_set1_pd(w->alpha);
  const __m256d nyquist = _mm256_set1_pd(w->nyquist), boundary = _mm256_set1_pd(w->boundary);
  const __m256d upperSlope = _mm256_set1_pd(w->upperSlope);
  const __m256d hopOmegaPerHz = _mm256_set1_pd(w->hopOmegaPerHz);
  __m256d jv = _mm256_setr_pd(0, 1, 2, 3);
  for (; j + 4 <= h; j += 4, jv = _mm256_add_pd(jv, _mm256_set1_pd(4))) {
    const __m256d bin = _mm256_div_pd(_mm256_mul_pd(vTwoPi, jv), vn);
    const __m256d expected = _mm256_mul_pd(bin, vHop);
    __m256d d = _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(phase + j), _mm256_loadu_pd(lastPhase + j)), expected);
    d = _mm256_sub_pd(d, _mm256_mul_pd(vTwoPi, x4_round(_mm256_mul_pd(d, invTwoPi))));
    const __m256d f = _mm256_mul_pd(_mm256_add_pd(bin, _mm256_mul_pd(d, invHop)), hzPerOmega);
    const __m256d hz = _mm256_blendv_pd(zero, f, _mm256_cmp_pd(f, zero, _CMP_GT_OQ));
    const __m256d upper = _mm256_sub_pd(nyquist, _mm256_mul_pd(upperSlope, _mm256_sub_pd(nyquist, hz)));
    const __m256d g = _mm256_blendv_pd(upper, _mm256_mul_pd(alpha, hz), _mm256_cmp_pd(hz, boundary, _CMP_LE_OQ));
    _mm256_storeu_pd(advance + j, _mm256_mul_pd(g, hopOmegaPerHz));
  }
#endif
  for (; j < h; j++) {
    const double expected = ((twoPi * j) / n) * hop;
    double d = phase[j] - lastPhase[j] - expected;
    d -= twoPi * fast_round(d * w->invTwoPi);
    const double f = ((twoPi * j) / n + d * w->invHop) * w->hzPerOmega;
    const double hz = f > 0 ? f : 0;
    const double g = hz <= w->boundary ? w->alpha * hz : w->nyquist - w->upperSlope * (w->nyquist - hz);
    advance[j] = g * w->hopOmegaPerHz;
  }
}

/* The output frame's bins: each one's phase advanced by its nearest source bin's advance, its
 * magnitude interpolated between source bins k0, k1. */
static void resynthesize(const fast_trig *tr, const warp_map *w, const int32_t *k0, const int32_t *k1,
                         const int32_t *nearest, const double *frac, const double *mag,
                         const double *advance, double *outPhase, double *outRe, double *outIm, int32_t h) {
  const double twoPi = w->twoPi, invTwoPi = w->invTwoPi;
  int32_t k = 0;
#ifdef FAST_TRIG_X4
  const __m256d vTwoPi = _mm256_set1_pd(twoPi), vInvTwoPi = _mm256_set1_pd(invTwoPi);
  for (; k + 4 <= h; k += 4) {
    const __m128i a = _mm_loadu_si128((const __m128i *)(k0 + k));
    const __m128i b = _mm_loadu_si128((const __m128i *)(k1 + k));
    const __m128i j = _mm_loadu_si128((const __m128i *)(nearest + k));
    const __m256d p = _mm256_add_pd(_mm256_loadu_pd(outPhase + k), _mm256_i32gather_pd(advance, j, 8));
    const __m256d wrapped = _mm256_sub_pd(p, _mm256_mul_pd(vTwoPi, x4_round(_mm256_mul_pd(p, vInvTwoPi))));
    _mm256_storeu_pd(outPhase + k, wrapped);
    const __m256d ma = _mm256_i32gather_pd(mag, a, 8), mb = _mm256_i32gather_pd(mag, b, 8);
    const __m256d m = _mm256_add_pd(ma, _mm256_mul_pd(_mm256_loadu_pd(frac + k), _mm256_sub_pd(mb, ma)));
    x4_polar(tr, m, wrapped, outRe + k, outIm + k);
  }
#endif
  for (; k < h; k++) {
    const int32_t a = k0[k];
    const double p = outPhase[k] + advance[nearest[k]];
    const double wrapped = p - twoPi * fast_round(p * invTwoPi);
    outPhase[k] = wrapped;
    fast_polar(tr, mag[a] + frac[k] * (mag[k1[k]] - mag[a]), wrapped, outRe, outIm, k);
  }
}

/* frame = src * win, n values. */
static void windowed(double *frame, const double *src, const double *win, int32_t n) {
  int32_t i = 0;
#ifdef FAST_TRIG_X4
  for (; i + 4 <= n; i += 4)
    _mm256_storeu_pd(frame + i, _mm256_mul_pd(_mm256_loadu_pd(src + i), _mm256_loadu_pd(win + i)));
#endif
  for (; i < n; i++) frame[i] = src[i] * win[i];
}

/* out += back[2 i + f] win[i]: one of the two frames an inverse transform carries (f 0: the real
 * parts, 1: the imaginary). */
static void overlap_add(double *out, const double *back, int f, const double *win, int32_t n) {
  int32_t i = 0;
#ifdef FAST_TRIG_X4
  for (; i + 4 <= n; i += 4) {
    const __m256d v0 = _mm256_loadu_pd(back + 2 * i), v1 = _mm256_loadu_pd(back + 2 * i + 4);
    const __m256d part = f == 0 ? _mm256_unpacklo_pd(v0, v1) : _mm256_unpackhi_pd(v0, v1);
    const __m256d b = _mm256_permute4x64_pd(part, 0xD8);
    _mm256_storeu_pd(out + i, _mm256_add_pd(_mm256_loadu_pd(out + i), _mm256_mul_pd(b, _mm256_loadu_pd(win + i))));
  }
#endif
  for (; i < n; i++) out[i] += back[2 * i + f] * win[i];
}

/* y = sum / window power where that is above 1e-9, else 0; as float32. */
static void normalized(float *y, const double *sum, const double *power, int64_t len) {
  int64_t i = 0;
#ifdef FAST_TRIG_X4
  const __m256d floor9 = _mm256_set1_pd(1e-9);
  for (; i + 4 <= len; i += 4) {
    const __m256d w = _mm256_loadu_pd(power + i);
    const __m256d q = _mm256_div_pd(_mm256_loadu_pd(sum + i), w);
    _mm_storeu_ps(y + i, _mm256_cvtpd_ps(_mm256_and_pd(q, _mm256_cmp_pd(w, floor9, _CMP_GT_OQ))));
  }
#endif
  for (; i < len; i++) {
    const double w = power[i];
    y[i] = (float)(w > 1e-9 ? sum[i] / w : 0);
  }
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
  const int32_t csize = 2 * n;
  const fftjs_plan plan = {.table = NULL, .bitrev = bitrev, .width = width, .csize = csize};
  if (!fftjs_plan_ok(&plan, (size_t)n)) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: bit reversal or width out of range");
    return NULL;
  }
  const double *win = dt, *norm = win + n, *fftTable = norm + plen, *frac = fftTable + 2 * n;
  const double *consts = frac + h;
  fast_trig tr = {.atan = consts + N_CONSTS};
  tr.cos = tr.atan + ATAN_STEPS + 1;
  tr.sin = tr.cos + TURN_STEPS;
  const double *tail = tr.sin + TURN_STEPS;
  const int identity = consts[1] != 0;
  const warp_map map = {.alpha = consts[0], .nyquist = consts[2], .boundary = consts[3],
                        .upperSlope = consts[4], .invTwoPi = consts[5], .invHop = consts[6],
                        .hzPerOmega = consts[7], .hopOmegaPerHz = consts[8], .twoPi = consts[9],
                        .n = n, .hop = hop};
  tr.invStep = consts[10];
  tr.stepHi = consts[11];
  tr.stepLo = tail[0];
  tr.halfPi = tail[1];
  tr.pi = tail[2];
  const fftjs_plan fft = {.table = fftTable, .bitrev = bitrev, .width = width, .csize = csize};

  const int64_t frames = (plen - n) / hop + 1;
  /* Only the padded input and the overlap-add sum must start at zero: every other buffer is
   * written before it is read. */
  double *buf = native_scratch((size_t)(2 * plen + n + 6 * (size_t)n + 9 * (size_t)h));
  if (!buf) {
    napi_throw_error(env, NULL, "vtlpWarpFrames: out of memory");
    return NULL;
  }
  memset(buf, 0, (size_t)(2 * plen) * sizeof(double));
  double *padded = buf, *out = padded + plen, *frame = out + plen, *spec = frame + n;
  double *pair = spec + 2 * n, *back = pair + 2 * n, *mag = back + 2 * n, *phase = mag + h;
  double *lastPhase = phase + h, *outPhase = lastPhase + h, *advance = outPhase + h;
  double *wr[2] = {advance + h, advance + 2 * h}, *wi[2] = {advance + 3 * h, advance + 4 * h};
  const float *x = dx;
  float *y = dy;
  for (int64_t i = 0; i < len; i++) padded[n + i] = x[i];

  for (int64_t t = 0; t < frames; t++) {
    const int64_t start = t * hop;
    windowed(frame, padded + start, win, n);
    fftjs_real_transform(&fft, spec, frame);
    mag_phase(&tr, spec, mag, phase, h);
    const int slot = (int)(t & 1);
    double *outRe = wr[slot], *outIm = wi[slot];
    if (identity || t == 0) {
      for (int32_t k = 0; k <= half; k++) {
        const int32_t j = identity ? k : nearest[k];
        const int32_t a = k0[k];
        outPhase[k] = phase[j];
        fast_polar(&tr, mag[a] + frac[k] * (mag[k1[k]] - mag[a]), phase[j], outRe, outIm, k);
      }
    } else {
      phase_advance(&map, phase, lastPhase, advance, h);
      resynthesize(&tr, &map, k0, k1, nearest, frac, mag, advance, outPhase, outRe, outIm, h);
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
      fftjs_transform(&fft, back, pair, 1);
      for (int f = 0; f < count; f++) {
        const int64_t at = (first + f) * hop;
        overlap_add(out + at, back, f, win, n);
      }
    }
  }
  normalized(y, out + n, norm + n, len);
  return NULL;
}

napi_status vtlp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"vtlpWarpFrames", NULL, n_vtlp, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
