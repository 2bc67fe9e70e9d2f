/* earshot C kernels (contracts: shared/kernels/types.ts; header: kernels.h). */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scratch for the int16 fast path of conv2d: grows to the largest layer seen, then is reused
 * (allocation happens on the first inference only). */
static int16_t *scratch_x, *scratch_w;
static size_t cap_x, cap_w;

static int16_t *grow(int16_t **buf, size_t *cap, size_t n) {
  if (n > *cap) {
    int16_t *p = realloc(*buf, n * sizeof(int16_t));
    if (!p) return NULL;
    *buf = p;
    *cap = n;
  }
  return *buf;
}

/* int16 dot product: gcc turns it into pmaddwd (8 MACs per instruction on SSE2); the products
 * of int16 operands with |a| <= 2^15 fit, and n <= 2048 keeps the int32 sum exact. */
static inline int32_t dot16(const int16_t *a, const int16_t *b, int32_t n) {
  int32_t s = 0;
  for (int32_t i = 0; i < n; i++) s += (int32_t)a[i] * b[i];
  return s;
}

/* Copies v - zp into int16 if every value fits; returns 0 when one does not. */
static int narrow16(const int32_t *v, size_t n, int32_t zp, int16_t *out) {
  for (size_t i = 0; i < n; i++) {
    int32_t d = v[i] - zp;
    if (d < -32768 || d > 32767) return 0;
    out[i] = (int16_t)d;
  }
  return 1;
}

/* floor((acc * mult + 2^(shift-1)) / 2^shift): round half up of the exact product, the one
 * rounding rule of shared/quant/rescale.ts (there computed in doubles; here in 128 bits). */
static inline int64_t rescale(int64_t acc, int32_t mult, int32_t shift) {
  __int128 p = (__int128)acc * mult + ((__int128)1 << (shift - 1));
  return (int64_t)(p >> shift);
}

static inline int32_t clamp64(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static inline int32_t div_round_half_away(int64_t sum, int64_t count) {
  if (sum >= 0) return (int32_t)((sum + count / 2) / count);
  return (int32_t)(-((-sum + count / 2) / count));
}

/* Sum over n of (x[i] - zp) * w[i], as sum x*w - zp * sum w: the inner loop is a plain dot
 * product the compiler vectorizes. Chunks of 256 keep the int32 partial sums exact for int16
 * activations (256 * 2^15 * 2^7 = 2^30). */
static inline int64_t dot_zp(const int32_t *x, const int32_t *w, int32_t n, int32_t zp) {
  int64_t total = 0;
  for (int32_t c = 0; c < n; c += 256) {
    const int32_t m = n - c < 256 ? n - c : 256;
    int32_t s = 0, sw = 0;
    for (int32_t i = 0; i < m; i++) {
      s += x[c + i] * w[c + i];
      sw += w[c + i];
    }
    total += (int64_t)s - (int64_t)zp * sw;
  }
  return total;
}

#define GATHER16 2048

/* Fast path: input minus zero point and weights as int16 (int8 models always fit), each row
 * of valid taps one contiguous int16 dot product. Returns 0 when the values do not fit. */
static int conv2d_16(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
                     const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out) {
  const int32_t inC = g->inC;
  const size_t nx = (size_t)g->inH * g->inW * inC, nw = (size_t)g->outC * g->kH * g->kW * inC;
  if ((size_t)g->kW * inC > 2048) return 0;
  int16_t *xs = grow(&scratch_x, &cap_x, nx), *ws = grow(&scratch_w, &cap_w, nw);
  if (!xs || !ws || !narrow16(x, nx, q->inZp, xs) || !narrow16(w, nw, 0, ws)) return 0;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    const int32_t ky0 = iy0 < 0 ? -iy0 : 0;
    const int32_t ky1 = g->inH - iy0 < g->kH ? g->inH - iy0 : g->kH;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      const int32_t kx0 = ix0 < 0 ? -ix0 : 0;
      const int32_t kx1 = g->inW - ix0 < g->kW ? g->inW - ix0 : g->kW;
      int32_t *o_row = out + (oy * g->outW + ox) * g->outC;
      if (kx1 <= kx0 || ky1 <= ky0) {
        for (int32_t o = 0; o < g->outC; o++)
          o_row[o] = clamp64(q->outZp + rescale(bias[o], mult[o], shift[o]), q->actMin, q->actMax);
        continue;
      }
      const int32_t run = (kx1 - kx0) * inC;
      const int32_t taps = g->kH * g->kW * inC;
      if (ky0 == 0 && ky1 == g->kH && kx0 == 0 && kx1 == g->kW && taps <= GATHER16) {
        /* Interior pixel: gather its window once; each channel is then one dot product over
         * its contiguous kH*kW*inC weights (one call instead of kH, and long runs even when
         * inC is 1, as in the first layer). */
        int16_t win[GATHER16];
        for (int32_t ky = 0; ky < g->kH; ky++)
          memcpy(win + ky * run, xs + ((iy0 + ky) * g->inW + ix0) * inC, (size_t)run * 2);
        for (int32_t o = 0; o < g->outC; o++) {
          const int64_t acc = (int64_t)bias[o] + dot16(win, ws + (size_t)o * taps, taps);
          o_row[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
        }
        continue;
      }
      for (int32_t o = 0; o < g->outC; o++) {
        int64_t acc = bias[o];
        for (int32_t ky = ky0; ky < ky1; ky++) {
          const int16_t *xp = xs + ((iy0 + ky) * g->inW + ix0 + kx0) * inC;
          const int16_t *wp = ws + ((o * g->kH + ky) * g->kW + kx0) * inC;
          acc += dot16(xp, wp, run);
        }
        o_row[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
      }
    }
  }
  return 1;
}

void es_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out) {
  if (conv2d_16(x, w, bias, mult, shift, g, q, out)) return;
  const int32_t inC = g->inC;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      int32_t *o_row = out + (oy * g->outW + ox) * g->outC;
      /* Taps inside the image: a contiguous run of kx per row when inC spans a pixel. */
      int32_t kx0 = ix0 < 0 ? -ix0 : 0;
      int32_t kx1 = g->inW - ix0 < g->kW ? g->inW - ix0 : g->kW;
      for (int32_t o = 0; o < g->outC; o++) {
        int64_t acc = bias[o];
        for (int32_t ky = 0; ky < g->kH; ky++) {
          const int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= g->inH || kx1 <= kx0) continue;
          const int32_t *xp = x + (iy * g->inW + ix0 + kx0) * inC;
          const int32_t *wp = w + ((o * g->kH + ky) * g->kW + kx0) * inC;
          acc += dot_zp(xp, wp, (kx1 - kx0) * inC, q->inZp);
        }
        o_row[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
      }
    }
  }
}

void es_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out) {
  const int32_t dm = g->outC / g->inC;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      int32_t *o_row = out + (oy * g->outW + ox) * g->outC;
      for (int32_t o = 0; o < g->outC; o++) {
        const int32_t ic = o / dm;
        int64_t acc = bias[o];
        for (int32_t ky = 0; ky < g->kH; ky++) {
          const int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= g->inH) continue;
          for (int32_t kx = 0; kx < g->kW; kx++) {
            const int32_t ix = ix0 + kx;
            if (ix < 0 || ix >= g->inW) continue;
            acc += (int64_t)(x[(iy * g->inW + ix) * g->inC + ic] - q->inZp) *
                   w[(ky * g->kW + kx) * g->outC + o];
          }
        }
        o_row[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
      }
    }
  }
}

void es_dense(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
              const int32_t *shift, int32_t inN, int32_t outN, const es_requant *q, int32_t *out) {
  for (int32_t o = 0; o < outN; o++) {
    int64_t acc = bias[o];
    acc += dot_zp(x, w + (int64_t)o * inN, inN, q->inZp);
    out[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
  }
}

static void pool(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax, int32_t *out,
                 int is_max) {
  const int32_t ch = g->inC;
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      for (int32_t k = 0; k < ch; k++) {
        int64_t sum = 0;
        int32_t count = 0;
        int32_t best = actMin;
        for (int32_t ky = 0; ky < g->kH; ky++) {
          const int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= g->inH) continue;
          for (int32_t kx = 0; kx < g->kW; kx++) {
            const int32_t ix = ix0 + kx;
            if (ix < 0 || ix >= g->inW) continue;
            const int32_t v = x[(iy * g->inW + ix) * ch + k];
            if (is_max) {
              if (count == 0 || v > best) best = v;
            } else {
              sum += v;
            }
            count++;
          }
        }
        int64_t r = is_max ? best : (count > 0 ? div_round_half_away(sum, count) : 0);
        out[(oy * g->outW + ox) * ch + k] = clamp64(r, actMin, actMax);
      }
    }
  }
}

void es_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  pool(x, g, actMin, actMax, out, 0);
}

void es_max_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  pool(x, g, actMin, actMax, out, 1);
}

void es_global_avg_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out) {
  const int32_t count = h * w;
  for (int32_t k = 0; k < ch; k++) {
    int64_t sum = 0;
    for (int32_t p = 0; p < count; p++) sum += x[p * ch + k];
    out[k] = clamp64(count > 0 ? div_round_half_away(sum, count) : 0, actMin, actMax);
  }
}

void es_global_max_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out) {
  const int32_t count = h * w;
  for (int32_t k = 0; k < ch; k++) {
    int32_t best = count > 0 ? x[k] : 0;
    for (int32_t p = 1; p < count; p++)
      if (x[p * ch + k] > best) best = x[p * ch + k];
    out[k] = clamp64(best, actMin, actMax);
  }
}

/* TFLite Micro's two-rounding requantization (shared/quant/rescale.ts rescaleTflm). */
void es_tflm_requantize(const int32_t *x, const int32_t *mult, const int32_t *shift, int32_t n,
                        int32_t ch, const es_requant *q, int32_t *out) {
  for (int32_t i = 0; i < n; i++) {
    const int32_t c = i % ch, e = 31 - shift[c];
    const int64_t a = e > 0 ? (int64_t)x[i] * ((int64_t)1 << e) : (int64_t)x[i];
    int64_t y = rescale(a, mult[c], 31);
    if (e < 0) y = div_round_half_away(y, (int64_t)1 << -e);
    out[i] = clamp64(q->outZp + y, q->actMin, q->actMax);
  }
}

void es_add_q(const int32_t *a, const int32_t *b, const es_add *p, int32_t *out) {
  const int64_t up = (int64_t)1 << p->leftShift;
  for (int32_t i = 0; i < p->n; i++) {
    int64_t ra = rescale((int64_t)(a[i] - p->aZp) * up, p->aMult, p->aShift);
    int64_t rb = rescale((int64_t)(b[i] - p->bZp) * up, p->bMult, p->bShift);
    out[i] = clamp64(p->outZp + rescale(ra + rb, p->outMult, p->outShift), p->actMin, p->actMax);
  }
}

/* ±1 dot of n packed values: 2 * popcount(xnor) - n over the valid bits. */
static inline int32_t xnor_dot(const int32_t *a, const int32_t *b, int32_t n) {
  const int32_t full = n >> 5;
  int32_t matches = 0;
  int32_t i = 0;
  const uint64_t *a64 = (const uint64_t *)a;
  const uint64_t *b64 = (const uint64_t *)b;
  /* Pairs of words as 64-bit lanes when aligned: half the popcounts. */
  if ((((uintptr_t)a | (uintptr_t)b) & 7) == 0) {
    for (; i + 1 < full; i += 2) matches += __builtin_popcountll(~(a64[i >> 1] ^ b64[i >> 1]));
  }
  for (; i < full; i++) matches += __builtin_popcount(~(uint32_t)(a[i] ^ b[i]));
  const int32_t rest = n & 31;
  if (rest) matches += __builtin_popcount(~(uint32_t)(a[full] ^ b[full]) & ((1u << rest) - 1u));
  return 2 * matches - n;
}

static inline int threshold_bit(int32_t v, int32_t thr, int32_t dir) {
  return dir > 0 ? v >= thr : v <= thr;
}

static int32_t conv_dot(const int32_t *x, const int32_t *w, const es_geom *g, int32_t oy,
                        int32_t ox, int32_t o) {
  const int32_t wpr = (g->inC + 31) >> 5;

  const int32_t iy0 = oy * g->strideH - g->padTop;
  const int32_t ix0 = ox * g->strideW - g->padLeft;
  int32_t dot = 0;
  for (int32_t ky = 0; ky < g->kH; ky++) {
    const int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= g->inH) continue;
    for (int32_t kx = 0; kx < g->kW; kx++) {
      const int32_t ix = ix0 + kx;
      if (ix < 0 || ix >= g->inW) continue;
      dot += xnor_dot(x + (iy * g->inW + ix) * wpr, w + ((o * g->kH + ky) * g->kW + kx) * wpr,
                      g->inC);
    }
  }
  return dot;
}

/* Popcount of a ^ b over n words, 64 bits at a time. */
static inline int32_t diff_words(const int32_t *a, const int32_t *b, int32_t n) {
  int32_t d = 0, i = 0;
  for (; i + 3 < n; i += 4) {
    uint64_t u0, v0, u1, v1;
    memcpy(&u0, a + i, 8);
    memcpy(&v0, b + i, 8);
    memcpy(&u1, a + i + 2, 8);
    memcpy(&v1, b + i + 2, 8);
    d += __builtin_popcountll(u0 ^ v0) + __builtin_popcountll(u1 ^ v1);
  }
  for (; i + 1 < n; i += 2) {
    uint64_t u, v;
    memcpy(&u, a + i, 8);
    memcpy(&v, b + i, 8);
    d += __builtin_popcountll(u ^ v);
  }
  if (i < n) d += __builtin_popcount((uint32_t)(a[i] ^ b[i]));
  return d;
}

#define MAX_TAP_ROWS 16

/* The valid taps of one output pixel when channels fill whole words: one contiguous run of
 * `n` words per valid kernel row, in x and (at wofs[r] from each output channel's base) in w. */
#define MAX_GATHER 2048

typedef struct {
  const int32_t *xrow[MAX_TAP_ROWS];
  int32_t wofs[MAX_TAP_ROWS];
  int32_t rows, n, bits;
  /* Interior pixels: all kH x kW taps valid, so a channel's weights are one run of `total`
   * words; the pixel's input taps are gathered into `gathered` to match. */
  int32_t total;
  int32_t gathered[MAX_GATHER];
} tap_runs;

static int tap_runs_for(const int32_t *x, const es_geom *g, int32_t oy, int32_t ox, tap_runs *t) {
  const int32_t wpr = (g->inC + 31) >> 5;
  if ((g->inC & 31) != 0 || g->kH > MAX_TAP_ROWS) return 0;
  const int32_t iy0 = oy * g->strideH - g->padTop, ix0 = ox * g->strideW - g->padLeft;
  const int32_t kx0 = ix0 < 0 ? -ix0 : 0;
  const int32_t kx1 = g->inW - ix0 < g->kW ? g->inW - ix0 : g->kW;
  t->rows = 0;
  t->n = kx1 > kx0 ? (kx1 - kx0) * wpr : 0;
  for (int32_t ky = 0; ky < g->kH && t->n > 0; ky++) {
    const int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= g->inH) continue;
    t->xrow[t->rows] = x + (iy * g->inW + ix0 + kx0) * wpr;
    t->wofs[t->rows] = (ky * g->kW + kx0) * wpr;
    t->rows++;
  }
  t->bits = 32 * t->n * t->rows;
  t->total = 0;
  if (t->rows == g->kH && t->n == g->kW * wpr && t->rows * t->n <= MAX_GATHER) {
    for (int32_t r = 0; r < t->rows; r++) memcpy(t->gathered + r * t->n, t->xrow[r], 4 * (size_t)t->n);
    t->total = t->rows * t->n;
  }
  return 1;
}

/* ±1 dot of output channel o over the pixel's tap runs: matches - mismatches = bits - 2 diff. */
static inline int32_t runs_dot(const tap_runs *t, const int32_t *wo) {
  if (t->total > 0) return t->bits - 2 * diff_words(t->gathered, wo, t->total);
  int32_t d = 0;
  for (int32_t r = 0; r < t->rows; r++) d += diff_words(t->xrow[r], wo + t->wofs[r], t->n);
  return t->bits - 2 * d;
}

void es_binary_conv2d(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                      const es_geom *g, int32_t *out) {
  const int32_t owpr = (g->outC + 31) >> 5;
  const int32_t wstride = g->kH * g->kW * ((g->inC + 31) >> 5);
  tap_runs t;
  for (int32_t oy = 0; oy < g->outH; oy++)
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int fast = tap_runs_for(x, g, oy, ox, &t);
      for (int32_t wd = 0; wd < owpr; wd++) {
        uint32_t word = 0;
        for (int32_t b = 0; b < 32; b++) {
          const int32_t o = wd * 32 + b;
          if (o >= g->outC) break;
          const int32_t dot = fast ? runs_dot(&t, w + o * wstride) : conv_dot(x, w, g, oy, ox, o);
          if (threshold_bit(dot, thr[o], dir[o])) word |= 1u << b;
        }
        out[(oy * g->outW + ox) * owpr + wd] = (int32_t)word;
      }
    }
}

void es_binary_conv2d_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, const es_geom *g,
                          const es_requant *q, int32_t *out) {
  const int32_t wstride = g->kH * g->kW * ((g->inC + 31) >> 5);
  tap_runs t;
  for (int32_t oy = 0; oy < g->outH; oy++)
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int fast = tap_runs_for(x, g, oy, ox, &t);
      for (int32_t o = 0; o < g->outC; o++) {
        const int32_t dot = fast ? runs_dot(&t, w + o * wstride) : conv_dot(x, w, g, oy, ox, o);
        int64_t acc = (int64_t)bias[o] + dot;
        out[(oy * g->outW + ox) * g->outC + o] =
            clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
      }
    }
}

void es_binary_dense(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                     int32_t inN, int32_t outN, int32_t *out) {
  const int32_t wpr = (inN + 31) >> 5;
  const int32_t owpr = (outN + 31) >> 5;
  for (int32_t wd = 0; wd < owpr; wd++) {
    uint32_t word = 0;
    for (int32_t b = 0; b < 32; b++) {
      const int32_t o = wd * 32 + b;
      if (o >= outN) break;
      if (threshold_bit(xnor_dot(x, w + o * wpr, inN), thr[o], dir[o])) word |= 1u << b;
    }
    out[wd] = (int32_t)word;
  }
}

void es_binary_dense_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int32_t inN, int32_t outN,
                         const es_requant *q, int32_t *out) {
  const int32_t wpr = (inN + 31) >> 5;
  for (int32_t o = 0; o < outN; o++) {
    int64_t acc = (int64_t)bias[o] + xnor_dot(x, w + o * wpr, inN);
    out[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
  }
}

void es_binarize(const int32_t *x, const int32_t *thr, const int32_t *dir, int32_t pixels,
                 int32_t ch, int32_t *out) {
  const int32_t wpr = (ch + 31) >> 5;
  for (int32_t p = 0; p < pixels; p++)
    for (int32_t wd = 0; wd < wpr; wd++) {
      uint32_t word = 0;
      for (int32_t b = 0; b < 32; b++) {
        const int32_t c = wd * 32 + b;
        if (c >= ch) break;
        if (threshold_bit(x[p * ch + c], thr[c], dir[c])) word |= 1u << b;
      }
      out[p * wpr + wd] = (int32_t)word;
    }
}

static double round_half_away(double x) {
  double a = x < 0 ? -x : x;
  double f = floor(a);
  double r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

void es_quantize(const double *x, int32_t n, double scale, int32_t zeroPoint, int32_t actMin,
                 int32_t actMax, int32_t *out) {
  for (int32_t i = 0; i < n; i++) {
    const double v = x[i] == x[i] ? round_half_away(x[i] / scale) + zeroPoint : zeroPoint;
    out[i] = v < actMin ? actMin : v > actMax ? actMax : (int32_t)v;
  }
}

void es_softmax(const int32_t *x, const int32_t *lut, int32_t lutLen, int32_t n, int32_t *out) {
  int32_t max = x[0];
  for (int32_t i = 1; i < n; i++)
    if (x[i] > max) max = x[i];
  int64_t sum = 0;
  for (int32_t i = 0; i < n; i++) {
    int64_t d = (int64_t)max - x[i];
    sum += d < lutLen ? lut[d] : 0;
  }
  const int64_t half = sum / 2;
  for (int32_t i = 0; i < n; i++) {
    int64_t d = (int64_t)max - x[i];
    int64_t e = d < lutLen ? lut[d] : 0;
    out[i] = sum > 0 ? (int32_t)((e * 32768 + half) / sum) : 0;
  }
}
