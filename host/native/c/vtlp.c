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

#include "fftjs.h"
#include "scratch.h"
#include "vtlp.h"

enum { ATAN_STEPS = 16, TURN_STEPS = 128, N_CONSTS = 12, N_TAIL = 3 };

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
  const int32_t csize = 2 * n;
  const fftjs_plan plan = {.table = NULL, .bitrev = bitrev, .width = width, .csize = csize};
  if (!fftjs_plan_ok(&plan, (size_t)n)) {
    napi_throw_range_error(env, NULL, "vtlpWarpFrames: bit reversal or width out of range");
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
    for (int32_t i = 0; i < n; i++) frame[i] = padded[start + i] * win[i];
    fftjs_real_transform(&fft, spec, frame);
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
      fftjs_transform(&fft, back, pair, 1);
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
  return NULL;
}

napi_status vtlp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"vtlpWarpFrames", NULL, n_vtlp, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
