/*
 * fft.js transcribed (fftjs.h). Same operations on the same operands in the same order as the
 * JS; compiled with -ffp-contract=off like the rest of the addon.
 */
/* GCC 12 at -O2/-O3 with -march=native vectorizes these butterflies into code whose results
 * differ from the scalar operations in the last bits, -ffp-contract=off notwithstanding
 * (measured: ~300 of 514 spectrum values); unvectorized, they are the TS's bit for bit. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif
#include "fftjs.h"
#if defined(__AVX2__)
#include <immintrin.h>
/* Two butterflies at once, complex values as [re im re im]: each lane does the scalar code's
 * operation on the same operands (only the order of a commutative add's operands may differ),
 * so the bits are the scalar code's. Written by hand: GCC's own vectorization is off (above). */
#define FFTJS_X2 1
#endif


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


#ifdef FFTJS_X2
/* [0 -0 0 -0]: xor flips the imaginary parts' signs (C's unary minus). */
static inline __m256d x2_neg_im(void) { return _mm256_setr_pd(0.0, -0.0, 0.0, -0.0); }
static inline __m256d x2_swap(__m256d v) { return _mm256_permute_pd(v, 0x5); }

/* v times twiddles (table[k], inv table[k + 1]) and (table[k + step], inv table[k + step + 1]):
 * [vr tr - vi ti, vi tr + vr ti] per value, as quad_terms' products. */
static inline __m256d x2_twiddle(__m256d v, const double *table, int32_t k, int32_t step, __m256d inv) {
  const __m256d t = _mm256_set_m128d(_mm_loadu_pd(table + k + step), _mm_loadu_pd(table + k));
  const __m256d tr = _mm256_movedup_pd(t), ti = _mm256_mul_pd(inv, _mm256_permute_pd(t, 0xF));
  return _mm256_addsub_pd(_mm256_mul_pd(v, tr), _mm256_mul_pd(x2_swap(v), ti));
}

/* quad_terms for the butterflies at A and A + 2 (k and k + step): T0..T3 as [re im re im]. */
static inline void x2_quad_terms(const double *out, int32_t A, int32_t quarterLen, const double *table,
                                 int32_t k, int32_t step, __m256d inv, __m256d T[4]) {
  const int32_t B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
  const __m256d MA = _mm256_loadu_pd(out + A);
  const __m256d MB = x2_twiddle(_mm256_loadu_pd(out + B), table, k, step, inv);
  const __m256d MC = x2_twiddle(_mm256_loadu_pd(out + C), table, 2 * k, 2 * step, inv);
  const __m256d MD = x2_twiddle(_mm256_loadu_pd(out + D), table, 3 * k, 3 * step, inv);
  T[0] = _mm256_add_pd(MA, MC);
  T[1] = _mm256_sub_pd(MA, MC);
  T[2] = _mm256_add_pd(MB, MD);
  T[3] = _mm256_mul_pd(inv, _mm256_sub_pd(MB, MD));
}
#endif

/* A butterfly's first two outputs (shared by both transforms): A = T0 + T2, B = T1 - i T3. */
static inline void write_ab(double *out, int32_t A, int32_t B, const double *T) {
  out[A] = T[0] + T[4];
  out[A + 1] = T[1] + T[5];
  out[B] = T[2] + T[7];
  out[B + 1] = T[3] - T[6];
}

/* One butterfly (i, twiddle k) of _realTransform4's later stages. */
static inline void real_butterfly(double *out, int32_t outOff, int32_t i, int32_t k, int32_t quarterLen,
                                  int32_t halfLen, int32_t hquarterLen, const double *table, double inv) {
  const int32_t A = outOff + i, B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
  double T[8];
  quad_terms(out, A, B, C, D, table, k, inv, T);
  write_ab(out, A, B, T);
  const double T0r = T[0], T0i = T[1], T1r = T[2], T1i = T[3];
  const double T2r = T[4], T2i = T[5], T3r = T[6], T3i = T[7];
  if (i == 0) {
    out[C] = T0r - T2r;
    out[C + 1] = T0i - T2i;
    return;
  }
  if (i == hquarterLen) return;
  const double ST0r = T1r, ST0i = -T1i, ST1r = T0r, ST1i = -T0i;
  const double ST2r = -inv * T3i, ST2i = -inv * T3r, ST3r = -inv * T2i, ST3i = -inv * T2r;
  const int32_t SA = outOff + quarterLen - i, SB = outOff + halfLen - i;
  out[SA] = ST0r + ST2r;
  out[SA + 1] = ST0i + ST2i;
  out[SB] = ST1r + ST3i;
  out[SB + 1] = ST1i - ST3r;
}

/* fft.js FFT.prototype._realTransform4 (inv 0): out (2n) from real data (n). */
void fftjs_real_transform(const fftjs_plan *p, double *out, const double *data) {
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
      int32_t i = 0, k = 0;
      real_butterfly(out, outOff, i, k, quarterLen, halfLen, hquarterLen, table, inv);
      i += 2;
      k += step;
#ifdef FFTJS_X2
      /* Butterflies 0 < i < hquarterLen read and write disjoint places, so pairs may run
       * together; their mirrored outputs land in descending order. */
      const __m256d vinv = _mm256_set1_pd(inv), vninv = _mm256_set1_pd(-inv);
      for (; i + 2 < hquarterLen; i += 4, k += 2 * step) {
        const int32_t A = outOff + i, B = A + quarterLen;
        __m256d T[4];
        x2_quad_terms(out, A, quarterLen, table, k, step, vinv, T);
        _mm256_storeu_pd(out + A, _mm256_add_pd(T[0], T[2]));
        _mm256_storeu_pd(out + B, _mm256_add_pd(T[1], _mm256_xor_pd(x2_swap(T[3]), x2_neg_im())));
        const __m256d ST0 = _mm256_xor_pd(T[1], x2_neg_im()), ST1 = _mm256_xor_pd(T[0], x2_neg_im());
        const __m256d ST2 = _mm256_mul_pd(vninv, x2_swap(T[3])), ST3 = _mm256_mul_pd(vninv, x2_swap(T[2]));
        const __m256d SA = _mm256_add_pd(ST0, ST2);
        const __m256d SB = _mm256_add_pd(ST1, _mm256_xor_pd(x2_swap(ST3), x2_neg_im()));
        _mm256_storeu_pd(out + outOff + quarterLen - i - 2, _mm256_permute2f128_pd(SA, SA, 0x01));
        _mm256_storeu_pd(out + outOff + halfLen - i - 2, _mm256_permute2f128_pd(SB, SB, 0x01));
      }
#endif
      for (; i <= hquarterLen; i += 2, k += step)
        real_butterfly(out, outOff, i, k, quarterLen, halfLen, hquarterLen, table, inv);
    }
  }
}

/* fft.js FFT.prototype.transform (inverse 0) and inverseTransform (inverse 1: _transform4 with
 * its inv flag, then every value of out divided by the size). */
void fftjs_transform(const fftjs_plan *p, double *out, const double *data, int inverse) {
  const int32_t size = p->csize;
  int32_t step = 1 << p->width;
  int32_t len = (size / step) << 1;
  const double inv = inverse ? -1 : 1;
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
      int32_t i = outOff, k = 0;
#ifdef FFTJS_X2
      const __m256d vinv = _mm256_set1_pd(inv);
      for (; i + 2 < limit; i += 4, k += 2 * step) {
        __m256d T[4];
        x2_quad_terms(out, i, quarterLen, table, k, step, vinv, T);
        const __m256d T3s = x2_swap(T[3]);
        _mm256_storeu_pd(out + i, _mm256_add_pd(T[0], T[2]));
        _mm256_storeu_pd(out + i + quarterLen, _mm256_add_pd(T[1], _mm256_xor_pd(T3s, x2_neg_im())));
        _mm256_storeu_pd(out + i + 2 * quarterLen, _mm256_sub_pd(T[0], T[2]));
        _mm256_storeu_pd(out + i + 3 * quarterLen, _mm256_addsub_pd(T[1], T3s));
      }
#endif
      for (; i < limit; i += 2, k += step) {
        const int32_t A = i, B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
        double T[8];
        quad_terms(out, A, B, C, D, table, k, inv, T);
        write_ab(out, A, B, T);
        const double T0r = T[0], T0i = T[1], T1r = T[2], T1i = T[3];
        const double T2r = T[4], T2i = T[5], T3r = T[6], T3i = T[7];
        out[C] = T0r - T2r;
        out[C + 1] = T0i - T2i;
        out[D] = T1r - T3i;
        out[D + 1] = T1i + T3r;
      }
    }
  }
  if (inverse) {
    int32_t i = 0;
#ifdef FFTJS_X2
    const __m256d scale = _mm256_set1_pd((double)(size / 2));
    for (; i + 4 <= size; i += 4) _mm256_storeu_pd(out + i, _mm256_div_pd(_mm256_loadu_pd(out + i), scale));
#endif
    for (; i < size; i++) out[i] /= size / 2;
  }
}

int fftjs_plan_ok(const fftjs_plan *p, size_t bitrevLen) {
  if (p->width < 1 || p->width > 24 || p->csize < 4) return 0;
  const int32_t step0 = 1 << p->width, len0 = (p->csize / step0) << 1;
  if ((len0 != 4 && len0 != 8) || (size_t)(p->csize / len0) > bitrevLen) return 0;
  const int64_t reach = (len0 == 4 ? 1 : 3) * (int64_t)step0 + 1;
  for (int32_t t = 0; t < p->csize / len0; t++)
    if (p->bitrev[t] < 0 || (int64_t)p->bitrev[t] + reach >= p->csize) return 0;
  return 1;
}
