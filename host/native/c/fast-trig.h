/*
 * host/data/fast-trig.ts transcribed for the addon's vocal tract warp (vtlp.c): atan2 and the
 * polar-to-rectangular step, scalar and, where the compiler targets AVX2, four lanes at a time.
 * The lanes do the scalar code's operations on the same operands in the same order (IEEE adds,
 * multiplies, divides, square roots and floor are exact per lane; nothing is fused, as the addon
 * builds with -ffp-contract=off), so both give the TS's doubles bit for bit. The tables come
 * from the TS (Math.atan / cos / sin), never from libm.
 */
#ifndef EARSHOT_NATIVE_FAST_TRIG_H
#define EARSHOT_NATIVE_FAST_TRIG_H
#include <math.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#define FAST_TRIG_X4 1
#endif

enum { FAST_TRIG_ATAN_STEPS = 16, FAST_TRIG_TURN_STEPS = 128 };

typedef struct {
  const double *atan, *cos, *sin; /* ATAN_STEPS + 1, TURN_STEPS, TURN_STEPS values */
  double halfPi, pi, invStep, stepHi, stepLo;
} fast_trig;

/* fast-trig.ts round: Math.round but +0 for -0. */
static inline double fast_round(double v) {
  const double f = floor(v);
  return f + (double)(v - f >= 0.5);
}

/* fast-trig.ts atan2. */
static inline double fast_atan2(const fast_trig *tr, double y, double x) {
  const double ax = fabs(x), ay = fabs(y);
  const double swap = (double)(ay > ax);
  const double lo = swap * ax + (1 - swap) * ay;
  const double hi = swap * ay + (1 - swap) * ax;
  if (!(lo > 0 && hi < INFINITY)) return atan2(y, x);
  const int32_t i = (int32_t)((lo / hi) * FAST_TRIG_ATAN_STEPS + 0.5);
  const double c = (double)i / FAST_TRIG_ATAN_STEPS;
  const double u = (lo - c * hi) / (hi + c * lo);
  const double u2 = u * u;
  double a = tr->atan[i] +
             u * (1 - u2 * (1.0 / 3 - u2 * (1.0 / 5 - u2 * (1.0 / 7 - u2 * (1.0 / 9)))));
  a = swap * tr->halfPi + (1 - 2 * swap) * a;
  const double left = (double)(x < 0);
  a = left * tr->pi + (1 - 2 * left) * a;
  return (1 - 2 * (double)(y < 0)) * a;
}

/* fast-trig.ts polarInto: re[at], im[at] = m (cos angle, sin angle). */
static inline void fast_polar(const fast_trig *tr, double m, double angle, double *re, double *im,
                              int32_t at) {
  const double k = fast_round(angle * tr->invStep);
  const double r = angle - k * tr->stepHi - k * tr->stepLo;
  const double r2 = r * r;
  const double s = r * (1 - r2 * (1.0 / 6 - r2 * (1.0 / 120 - r2 * (1.0 / 5040))));
  const double c = 1 - r2 * (1.0 / 2 - r2 * (1.0 / 24 - r2 * (1.0 / 720)));
  /* JS: k & 127 on the int32 of k (|k| is small: the angle is within a turn or so). */
  const int32_t i = ((int32_t)k) & (FAST_TRIG_TURN_STEPS - 1);
  const double ct = tr->cos[i], st = tr->sin[i];
  re[at] = m * (ct * c - st * s);
  im[at] = m * (st * c + ct * s);
}

#ifdef FAST_TRIG_X4
/* The double 1.0 where mask is set, else 0.0: (double)(comparison). */
static inline __m256d x4_flag(__m256d mask) { return _mm256_and_pd(mask, _mm256_set1_pd(1.0)); }

static inline __m256d x4_round(__m256d v) {
  const __m256d f = _mm256_floor_pd(v);
  return _mm256_add_pd(f, x4_flag(_mm256_cmp_pd(_mm256_sub_pd(v, f), _mm256_set1_pd(0.5), _CMP_GE_OQ)));
}

/* fast_atan2 on four lanes. Lanes outside the table's domain (a zero or non-finite side) take
 * libm's atan2, as the scalar code does. */
static inline __m256d x4_atan2(const fast_trig *tr, __m256d y, __m256d x) {
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d ax = _mm256_andnot_pd(sign, x), ay = _mm256_andnot_pd(sign, y);
  const __m256d swap = x4_flag(_mm256_cmp_pd(ay, ax, _CMP_GT_OQ));
  const __m256d keep = _mm256_sub_pd(one, swap);
  const __m256d lo = _mm256_add_pd(_mm256_mul_pd(swap, ax), _mm256_mul_pd(keep, ay));
  const __m256d hi = _mm256_add_pd(_mm256_mul_pd(swap, ay), _mm256_mul_pd(keep, ax));
  const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(lo, zero, _CMP_GT_OQ),
                                   _mm256_cmp_pd(hi, _mm256_set1_pd(INFINITY), _CMP_LT_OQ));
  const __m256d steps = _mm256_set1_pd(FAST_TRIG_ATAN_STEPS);
  const __m128i i = _mm256_cvttpd_epi32(
      _mm256_add_pd(_mm256_mul_pd(_mm256_div_pd(lo, hi), steps), _mm256_set1_pd(0.5)));
  const __m256d c = _mm256_div_pd(_mm256_cvtepi32_pd(i), steps);
  const __m256d u = _mm256_div_pd(_mm256_sub_pd(lo, _mm256_mul_pd(c, hi)),
                                  _mm256_add_pd(hi, _mm256_mul_pd(c, lo)));
  const __m256d u2 = _mm256_mul_pd(u, u);
  __m256d p = _mm256_sub_pd(_mm256_set1_pd(1.0 / 7), _mm256_mul_pd(u2, _mm256_set1_pd(1.0 / 9)));
  p = _mm256_sub_pd(_mm256_set1_pd(1.0 / 5), _mm256_mul_pd(u2, p));
  p = _mm256_sub_pd(_mm256_set1_pd(1.0 / 3), _mm256_mul_pd(u2, p));
  p = _mm256_mul_pd(u, _mm256_sub_pd(one, _mm256_mul_pd(u2, p)));
  /* Masked: a lane outside the domain may hold any index and must not read the table. */
  const __m256d base = _mm256_mask_i32gather_pd(zero, tr->atan, i, ok, 8);
  __m256d a = _mm256_add_pd(base, p);
  a = _mm256_add_pd(_mm256_mul_pd(swap, _mm256_set1_pd(tr->halfPi)),
                    _mm256_mul_pd(_mm256_sub_pd(one, _mm256_mul_pd(two, swap)), a));
  const __m256d left = x4_flag(_mm256_cmp_pd(x, zero, _CMP_LT_OQ));
  a = _mm256_add_pd(_mm256_mul_pd(left, _mm256_set1_pd(tr->pi)),
                    _mm256_mul_pd(_mm256_sub_pd(one, _mm256_mul_pd(two, left)), a));
  const __m256d below = x4_flag(_mm256_cmp_pd(y, zero, _CMP_LT_OQ));
  a = _mm256_mul_pd(_mm256_sub_pd(one, _mm256_mul_pd(two, below)), a);
  const int inside = _mm256_movemask_pd(ok);
  if (inside != 0xF) {
    double ys[4], xs[4], as[4];
    _mm256_storeu_pd(ys, y);
    _mm256_storeu_pd(xs, x);
    _mm256_storeu_pd(as, a);
    for (int l = 0; l < 4; l++)
      if (!(inside >> l & 1)) as[l] = atan2(ys[l], xs[l]);
    a = _mm256_loadu_pd(as);
  }
  return a;
}

/* fast_polar on four lanes: re[0..3], im[0..3] = m (cos angle, sin angle). */
static inline void x4_polar(const fast_trig *tr, __m256d m, __m256d angle, double *re, double *im) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d k = x4_round(_mm256_mul_pd(angle, _mm256_set1_pd(tr->invStep)));
  const __m256d r = _mm256_sub_pd(_mm256_sub_pd(angle, _mm256_mul_pd(k, _mm256_set1_pd(tr->stepHi))),
                                  _mm256_mul_pd(k, _mm256_set1_pd(tr->stepLo)));
  const __m256d r2 = _mm256_mul_pd(r, r);
  __m256d s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 120), _mm256_mul_pd(r2, _mm256_set1_pd(1.0 / 5040)));
  s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 6), _mm256_mul_pd(r2, s));
  s = _mm256_mul_pd(r, _mm256_sub_pd(one, _mm256_mul_pd(r2, s)));
  __m256d c = _mm256_sub_pd(_mm256_set1_pd(1.0 / 24), _mm256_mul_pd(r2, _mm256_set1_pd(1.0 / 720)));
  c = _mm256_sub_pd(_mm256_set1_pd(1.0 / 2), _mm256_mul_pd(r2, c));
  c = _mm256_sub_pd(one, _mm256_mul_pd(r2, c));
  /* (int32_t)k & 127, as the scalar code (x86's out-of-range conversion gives the same lane). */
  const __m128i i = _mm_and_si128(_mm256_cvttpd_epi32(k), _mm_set1_epi32(FAST_TRIG_TURN_STEPS - 1));
  const __m256d ct = _mm256_i32gather_pd(tr->cos, i, 8), st = _mm256_i32gather_pd(tr->sin, i, 8);
  _mm256_storeu_pd(re, _mm256_mul_pd(m, _mm256_sub_pd(_mm256_mul_pd(ct, c), _mm256_mul_pd(st, s))));
  _mm256_storeu_pd(im, _mm256_mul_pd(m, _mm256_add_pd(_mm256_mul_pd(st, c), _mm256_mul_pd(ct, s))));
}
#endif

#endif
