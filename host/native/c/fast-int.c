/*
 * Output-channel-vectorized conv2d (see fast-int.h). es_conv2d computes, per output, one dot
 * product over the valid taps; here every output pixel advances the accumulators of all its
 * channels together, tap by tap, over a zero-padded copy of (x - inZp) and weights transposed
 * to [tap][channel]. Padded taps add 0 as skipped taps do, and integer sums are exact in any
 * order while they stay inside int32 (checked up front), so the outputs are es_conv2d's.
 */
#include "fast-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Channel block: accumulators live in a stack array of this many int32 (outC padded up). */
#define LANES 16
#define MAX_OCP 512

/* Per calling thread (models may run in worker_threads of one process). */
static __thread int16_t *pad_x, *w_t;
static __thread size_t cap_px, cap_wt;

static int16_t *grow16(int16_t **buf, size_t *cap, size_t n) {
  if (n > *cap) {
    int16_t *p = aligned_alloc(64, ((n * sizeof(int16_t)) + 63) / 64 * 64);
    if (!p) return NULL;
    free(*buf);
    *buf = p;
    *cap = n;
  }
  return *buf;
}

/* kernels.c's rescale: floor((acc * mult + 2^(shift-1)) / 2^shift) in 128 bits. */
static inline int64_t rescale(int64_t acc, int32_t mult, int32_t shift) {
  __int128 p = (__int128)acc * mult + ((__int128)1 << (shift - 1));
  return (int64_t)(p >> shift);
}

static inline int32_t clamp64(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static inline void requant_row(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                               const int32_t *shift, int32_t outC, const es_requant *q,
                               int32_t *o_row) {
  /* With |bias + acc| < 2^31 (and |mult| < 2^31, shift <= 62) the exact product and rounding
   * term fit int64: the same floor as rescale's 128 bits, in a loop the compiler vectorizes. */
  int fits = 1;
  for (int32_t o = 0; o < outC; o++) {
    const int64_t a = (int64_t)bias[o] + acc[o];
    fits &= a >= INT32_MIN && a <= INT32_MAX;
  }
  if (!fits) {
    for (int32_t o = 0; o < outC; o++)
      o_row[o] = clamp64(q->outZp + rescale((int64_t)bias[o] + acc[o], mult[o], shift[o]),
                         q->actMin, q->actMax);
    return;
  }
  for (int32_t o = 0; o < outC; o++) {
    const int64_t a = (int64_t)bias[o] + acc[o];
    const int64_t r = (a * mult[o] + ((int64_t)1 << (shift[o] - 1))) >> shift[o];
    o_row[o] = clamp64(q->outZp + r, q->actMin, q->actMax);
  }
}

#if defined(__AVX512VNNI__) || defined(__AVX2__)
#define PAIRED_TAPS 1
#include <immintrin.h>

#define MAX_TAPS 4096

/* VNNI form: taps in pairs, weights as [pair][channel][2] int16, so one vpdpwssd adds two taps
 * of 16 channels; the pixel's window is gathered once and each tap pair broadcast. NB blocks of
 * 16 channels stay in registers (a constant per instance, so the compiler unrolls). */

static __thread int16_t *w_pairs;
static __thread size_t cap_wp;

/* With AVX2 alone, vpmaddwd adds a tap pair's two products of 8 channels and vpaddd adds them to
 * the accumulators (the same int32 sums); a 16-channel block of the pair layout is then two
 * 256-bit halves. */
static inline __attribute__((always_inline)) void conv_vnni_body(
    const int NB, const int16_t *px, int32_t pW, const int16_t *wq, int32_t pairs,
    const int32_t *bias, const int32_t *mult, const int32_t *shift, const es_geom *g,
    const es_requant *q, int32_t *out) {
  const int32_t inC = g->inC, row = g->kW * inC;
  int16_t win[MAX_TAPS + 2] __attribute__((aligned(64)));
  win[2 * pairs - 1] = 0;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int16_t *base = px + ((size_t)oy * g->strideH * pW + (size_t)ox * g->strideW) * inC;
      for (int32_t ky = 0; ky < g->kH; ky++)
        memcpy(win + ky * row, base + (size_t)ky * pW * inC, (size_t)row * sizeof(int16_t));
      const int32_t *wp32 = (const int32_t *)win;
      const int16_t *wv = wq;
      int32_t a[4 * LANES] __attribute__((aligned(64)));
#ifdef __AVX512VNNI__
      __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                        _mm512_setzero_si512()};
      for (int32_t p = 0; p < pairs; p++) {
        const __m512i xb = _mm512_set1_epi32(wp32[p]);
        for (int b = 0; b < NB; b++, wv += 2 * LANES)
          acc[b] = _mm512_dpwssd_epi32(acc[b], xb, _mm512_load_si512((const void *)wv));
      }
      for (int b = 0; b < NB; b++) _mm512_store_si512((void *)(a + b * LANES), acc[b]);
#else
      __m256i acc[8];
      for (int h = 0; h < 2 * NB; h++) acc[h] = _mm256_setzero_si256();
      for (int32_t p = 0; p < pairs; p++) {
        const __m256i xb = _mm256_set1_epi32(wp32[p]);
        for (int h = 0; h < 2 * NB; h++, wv += LANES)
          acc[h] = _mm256_add_epi32(acc[h], _mm256_madd_epi16(xb, _mm256_load_si256((const __m256i *)wv)));
      }
      for (int h = 0; h < 2 * NB; h++) _mm256_store_si256((__m256i *)(a + h * (LANES / 2)), acc[h]);
#endif
      requant_row(a, bias, mult, shift, g->outC, q, out + ((size_t)oy * g->outW + ox) * g->outC);
    }
  }
}

static int conv_vnni(const int16_t *px, int32_t pW, const int32_t *w, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, const es_geom *g,
                      const es_requant *q, int32_t *out) {
  const int32_t outC = g->outC, taps = g->kH * g->kW * g->inC;
  const int NB = (outC + LANES - 1) / LANES, ocp = NB * LANES, pairs = (taps + 1) / 2;
  int16_t *wq = grow16(&w_pairs, &cap_wp, (size_t)pairs * ocp * 2);
  if (!wq) return 0;
  memset(wq, 0, (size_t)pairs * ocp * 2 * sizeof(int16_t));
  for (int32_t o = 0; o < outC; o++)
    for (int32_t t = 0; t < taps; t++)
      wq[((size_t)(t / 2) * ocp + o) * 2 + (t & 1)] = (int16_t)w[(size_t)o * taps + t];
  switch (NB) {
    case 1: conv_vnni_body(1, px, pW, wq, pairs, bias, mult, shift, g, q, out); break;
    case 2: conv_vnni_body(2, px, pW, wq, pairs, bias, mult, shift, g, q, out); break;
    case 3: conv_vnni_body(3, px, pW, wq, pairs, bias, mult, shift, g, q, out); break;
    default: conv_vnni_body(4, px, pW, wq, pairs, bias, mult, shift, g, q, out); break;
  }
  return 1;
}

#endif

int esn_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out) {
  const int32_t inC = g->inC, outC = g->outC, kH = g->kH, kW = g->kW;
  const int32_t ocp = (outC + LANES - 1) / LANES * LANES;
  if (ocp > MAX_OCP || g->strideH < 1 || g->strideW < 1) return 0;
  const int32_t taps = kH * kW * inC;
  /* Padded geometry: every tap of every output pixel lies inside the copy. */
  const int32_t padT = g->padTop > 0 ? g->padTop : 0, padL = g->padLeft > 0 ? g->padLeft : 0;
  if (g->padTop < 0 || g->padLeft < 0) return 0;
  int32_t pH = (g->outH - 1) * g->strideH + kH, pW = (g->outW - 1) * g->strideW + kW;
  if (pH < g->inH + padT) pH = g->inH + padT;
  if (pW < g->inW + padL) pW = g->inW + padL;
  const size_t nw = (size_t)taps * ocp, npx = (size_t)pH * pW * inC;
  /* Ranges: int32 partial sums stay exact when taps * max|x - zp| * max|w| < 2^31. */
  int64_t wmax = 0, xmax = 0;
  const size_t nwin = (size_t)outC * taps, nx = (size_t)g->inH * g->inW * inC;
  for (size_t i = 0; i < nwin; i++) {
    const int64_t a = w[i] < 0 ? -(int64_t)w[i] : w[i];
    if (a > wmax) wmax = a;
  }
  for (size_t i = 0; i < nx; i++) {
    int64_t d = (int64_t)x[i] - q->inZp;
    if (d < 0) d = -d;
    if (d > xmax) xmax = d;
  }
  if (wmax > 32767 || xmax > 32767 || (int64_t)taps * wmax * xmax >= ((int64_t)1 << 31)) return 0;
  int16_t *px = grow16(&pad_x, &cap_px, npx);
  if (!px) return 0;
  memset(px, 0, npx * sizeof(int16_t));
  for (int32_t y = 0; y < g->inH; y++) {
    int16_t *dst = px + ((size_t)(y + padT) * pW + padL) * inC;
    const int32_t *src = x + (size_t)y * g->inW * inC;
    for (int32_t i = 0; i < g->inW * inC; i++) dst[i] = (int16_t)(src[i] - q->inZp);
  }
#ifdef PAIRED_TAPS
  if (ocp <= 4 * LANES && taps <= MAX_TAPS && conv_vnni(px, pW, w, bias, mult, shift, g, q, out))
    return 1;
#endif
  int16_t *wt = grow16(&w_t, &cap_wt, nw);
  if (!wt) return 0;
  memset(wt, 0, nw * sizeof(int16_t));
  for (int32_t o = 0; o < outC; o++)
    for (int32_t t = 0; t < taps; t++) wt[(size_t)t * ocp + o] = (int16_t)w[(size_t)o * taps + t];
  const int32_t row = kW * inC;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    for (int32_t ox = 0; ox < g->outW; ox++) {
      int32_t acc[MAX_OCP] __attribute__((aligned(64)));
      for (int32_t o = 0; o < ocp; o++) acc[o] = 0;
      const int16_t *base = px + ((size_t)oy * g->strideH * pW + (size_t)ox * g->strideW) * inC;
      const int16_t *wp = wt;
      for (int32_t ky = 0; ky < kH; ky++) {
        const int16_t *xr = base + (size_t)ky * pW * inC;
        for (int32_t j = 0; j < row; j++, wp += ocp) {
          const int32_t xv = xr[j];
          for (int32_t o = 0; o < ocp; o++) acc[o] += xv * (int32_t)wp[o];
        }
      }
      requant_row(acc, bias, mult, shift, outC, q, out + ((size_t)oy * g->outW + ox) * outC);
    }
  }
  return 1;
}

/* Depthwise conv with channel multiplier 1: per output pixel all channels advance together over
 * the valid taps (the device kernel loops taps per channel); exact int32 sums as above. */
int esn_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out) {
  const int32_t C = g->outC;
  if (g->inC != C || C > MAX_OCP) return 0;
  const size_t nx = (size_t)g->inH * g->inW * C, nw = (size_t)g->kH * g->kW * C;
  int64_t wmax = 0, xmax = 0;
  for (size_t i = 0; i < nw; i++) {
    const int64_t a = w[i] < 0 ? -(int64_t)w[i] : w[i];
    if (a > wmax) wmax = a;
  }
  for (size_t i = 0; i < nx; i++) {
    int64_t d = (int64_t)x[i] - q->inZp;
    if (d < 0) d = -d;
    if (d > xmax) xmax = d;
  }
  if ((int64_t)g->kH * g->kW * wmax * xmax >= ((int64_t)1 << 31)) return 0;
  const int32_t zp = q->inZp;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      int32_t acc[MAX_OCP];
      for (int32_t o = 0; o < C; o++) acc[o] = 0;
      for (int32_t ky = 0; ky < g->kH; ky++) {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= g->inH) continue;
        for (int32_t kx = 0; kx < g->kW; kx++) {
          const int32_t ix = ix0 + kx;
          if (ix < 0 || ix >= g->inW) continue;
          const int32_t *xp = x + ((size_t)iy * g->inW + ix) * C;
          const int32_t *wp = w + ((size_t)ky * g->kW + kx) * C;
          for (int32_t o = 0; o < C; o++) acc[o] += (xp[o] - zp) * wp[o];
        }
      }
      requant_row(acc, bias, mult, shift, C, q, out + ((size_t)oy * g->outW + ox) * C);
    }
  }
  return 1;
}

/* kernels.c's div_round_half_away (sum / count, halves away from zero), without a 64-bit
 * division: a double quotient corrected to the exact one (|sum| < 2^52 here). */
static inline int64_t div_half_away(int64_t sum, int64_t count) {
  const int64_t n = (sum >= 0 ? sum : -sum) + count / 2;
  int64_t t = (int64_t)((double)n / (double)count);
  if (t * count > n) t--;
  else if ((t + 1) * count <= n) t++;
  return sum >= 0 ? t : -t;
}

/* Average pool: channels summed together per window (the device kernel walks each channel's
 * window on its own). Same sums, same count of in-image taps, same rounding. */
int esn_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  const int32_t C = g->inC;
  if (C > MAX_OCP) return 0;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      int64_t sum[MAX_OCP];
      for (int32_t k = 0; k < C; k++) sum[k] = 0;
      int32_t count = 0;
      for (int32_t ky = 0; ky < g->kH; ky++) {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= g->inH) continue;
        for (int32_t kx = 0; kx < g->kW; kx++) {
          const int32_t ix = ix0 + kx;
          if (ix < 0 || ix >= g->inW) continue;
          const int32_t *xp = x + ((size_t)iy * g->inW + ix) * C;
          for (int32_t k = 0; k < C; k++) sum[k] += xp[k];
          count++;
        }
      }
      int32_t *o = out + ((size_t)oy * g->outW + ox) * C;
      for (int32_t k = 0; k < C; k++)
        o[k] = clamp64(count > 0 ? div_half_away(sum[k], count) : 0, actMin, actMax);
    }
  }
  return 1;
}
