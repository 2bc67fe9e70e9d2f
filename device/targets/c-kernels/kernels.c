/* earshot C kernels (contracts: shared/kernels/types.ts; header: kernels.h). */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* floor((acc * mult + 2^(shift-1)) / 2^shift): round half up of the exact product, the one
 * rounding rule of shared/quant/rescale.ts (there computed in doubles). With |acc| <= 2^31 (and
 * |mult| <= 2^31, 1 <= shift <= 62) the exact product and rounding term fit int64 (|p| < 2^62 +
 * 2^61), the common case; otherwise they are computed in 128 bits. The same floor either way. */
static inline int64_t rescale(int64_t acc, int32_t mult, int32_t shift) {
  if (acc >= -((int64_t)1 << 31) && acc <= ((int64_t)1 << 31))
    return (acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
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

/* Sum over n of (x[i] - zp) * w[i] in 64 bits: the exact path, for values the int16 one refuses. */
static inline int64_t dot_zp(const int32_t *x, const int32_t *w, int32_t n, int32_t zp) {
  int64_t total = 0;
  for (int32_t i = 0; i < n; i++) total += ((int64_t)x[i] - zp) * w[i];
  return total;
}

/* Scratch for the int16 path of conv2d: grows to the largest layer seen, then is reused
 * (allocation happens on the first inference only). */
static int16_t *scratch_x, *scratch_w;
static size_t cap_x, cap_w;

static int16_t *grow(int16_t **buf, size_t *cap, size_t n) {
  if (n > *cap) {
    int16_t *p = realloc(*buf, (n ? n : 1) * sizeof(int16_t));
    if (!p) return NULL;
    *buf = p;
    *cap = n;
  }
  return *buf;
}

/* Taps of one output pixel in the int16 path, padded up to a multiple of 8 (its window is a
 * stack array of this many int16). */
#define MAX_TAPS16 2048

/* Four output channels' dot products with two windows (two output pixels), n a multiple of 8
 * (zero-padded taps): one pass over the taps serves two pixels and four channels, so the loop
 * overhead and the horizontal sums are shared. gcc -O2 makes it pmaddwd on SSE2 (8 MACs per
 * instruction); an MCU compiler, SMLAD pairs. s[0..3]: the first window's sums, s[4..7]: the
 * second's. */
static inline void dot16x4x2(const int16_t *x, const int16_t *y, const int16_t *w, int32_t n,
                             int32_t *s) {
  const int16_t *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  if (n & 7) __builtin_unreachable();
  for (int32_t i = 0; i < n; i++) {
    a0 += x[i] * w0[i];
    a1 += x[i] * w1[i];
    a2 += x[i] * w2[i];
    a3 += x[i] * w3[i];
    b0 += y[i] * w0[i];
    b1 += y[i] * w1[i];
    b2 += y[i] * w2[i];
    b3 += y[i] * w3[i];
  }
  s[0] = a0;
  s[1] = a1;
  s[2] = a2;
  s[3] = a3;
  s[4] = b0;
  s[5] = b1;
  s[6] = b2;
  s[7] = b3;
}

/* Per-channel requantization with the sums known to fit: |bias + sum| <= 2^31 for every sum
 * the layer can produce, checked once per call, so rescale's int64 form always applies. */
typedef struct {
  int64_t mult, round;
  int32_t bias, shift;
} requant_ch;

static requant_ch *scratch_rq;
static size_t cap_rq;

/* The table for channels [0, n), or NULL (no memory, or a bias for which some sum would not fit). */
static const requant_ch *requant_table(const int32_t *bias, const int32_t *mult,
                                       const int32_t *shift, int32_t n, int64_t maxSum) {
  if ((size_t)n > cap_rq) {
    requant_ch *p = realloc(scratch_rq, (size_t)n * sizeof *p);
    if (!p) return NULL;
    scratch_rq = p;
    cap_rq = n;
  }
  for (int32_t o = 0; o < n; o++) {
    const int64_t b = bias[o];
    if (b - maxSum < -((int64_t)1 << 31) || b + maxSum > ((int64_t)1 << 31)) return NULL;
    scratch_rq[o].mult = mult[o];
    scratch_rq[o].round = (int64_t)1 << (shift[o] - 1);
    scratch_rq[o].bias = bias[o];
    scratch_rq[o].shift = shift[o];
  }
  return scratch_rq;
}

/* clamp(outZp + rescale(bias + s)) of one channel. */
static inline int32_t requant_one(int32_t s, const requant_ch *rq, int32_t zp, int32_t lo,
                                  int32_t hi) {
  int64_t v = (((int64_t)rq->bias + s) * rq->mult + rq->round) >> rq->shift;
  v += zp;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int32_t)v;
}

/* The requantized sums s[0 .. n) of n channels of one output pixel, into int32 or (out8,
 * [lo, hi] inside int8) int8. */
static inline void requant_row(const int32_t *s, const requant_ch *rq, int32_t n, int32_t zp,
                               int32_t lo, int32_t hi, int32_t *out, int8_t *out8) {
  if (out8)
    for (int32_t o = 0; o < n; o++) out8[o] = (int8_t)requant_one(s[o], rq + o, zp, lo, hi);
  else
    for (int32_t o = 0; o < n; o++) out[o] = requant_one(s[o], rq + o, zp, lo, hi);
}

/* |v| <= m + 1 for m the OR of v ^ (v >> 31) over the values (a bound the compiler vectorizes,
 * unlike a running maximum on SSE2): how the int16 path checks its ranges. */
static inline uint32_t magnitude_bits(int32_t v) { return (uint32_t)(v ^ (v >> 31)); }

/* The int16 path: (x - inZp) copied once into a zero-padded int16 image (every window of every
 * output pixel lies inside it, so padding taps add 0 as skipped ones did), weights into int16
 * rows of `tp` taps, four channels per row group (zero rows past outC). Each output pixel
 * gathers its window once (kH runs of kW * inC) and takes four channels per pass. Integer sums
 * are exact in any order while they fit int32: taps * max|x - inZp| * max|w| < 2^31, checked
 * here (int8 models: 255 * 128 per tap); returns 0 when it does not hold. */
static int conv2d_16(const int32_t *x, const int8_t *x8, const int32_t *w, const int8_t *w8,
                     const int32_t *bias, const int32_t *mult, const int32_t *shift,
                     const es_geom *g, const es_requant *q, int32_t *out, int8_t *out8) {
  const int32_t inC = g->inC, kH = g->kH, kW = g->kW, outC = g->outC, inH = g->inH, inW = g->inW;
  const int32_t outH = g->outH, outW = g->outW, sH = g->strideH, sW = g->strideW;
  const int32_t padTop = g->padTop, padLeft = g->padLeft;
  const int32_t run = kW * inC, taps = kH * run, tp = (taps + 7) & ~7, ocp = (outC + 3) & ~3;
  if (outH <= 0 || outW <= 0) return 1;
  if (tp > MAX_TAPS16 || padTop < 0 || padLeft < 0) return 0;
  const int32_t pH = (outH - 1) * sH + kH, pW = (outW - 1) * sW + kW;
  const size_t rowLen = (size_t)pW * inC, nw = (size_t)ocp * tp;
  /* (8 spare elements: short window rows are gathered 8 at a time) */
  int16_t *xs = grow(&scratch_x, &cap_x, (size_t)pH * rowLen + 8), *ws = grow(&scratch_w, &cap_w, nw);
  if (!xs || !ws) return 0;
  if (out8 && (q->actMin < -128 || q->actMax > 127)) return 0;
  uint32_t wBits = 0;
  for (int32_t o = 0; o < ocp; o++) {
    int16_t *dst = ws + (size_t)o * tp;
    int32_t t = 0;
    if (o < outC && w8) {
      const int8_t *src = w8 + (size_t)o * taps;
      for (; t < taps; t++) dst[t] = src[t];
      wBits = 127; /* |w| <= 128 */
    } else if (o < outC) {
      const int32_t *src = w + (size_t)o * taps;
      for (; t < taps; t++) {
        wBits |= magnitude_bits(src[t]);
        dst[t] = (int16_t)src[t];
      }
    }
    for (; t < tp; t++) dst[t] = 0;
  }
  /* Raw input range first (no overflow), then the range of x - inZp from it. */
  const int32_t zp = q->inZp;
  const int32_t c0 = padLeft < pW ? padLeft : pW;
  const int32_t c1 = padLeft + inW < pW ? padLeft + inW : pW;
  uint32_t xBits = 0;
  for (int32_t r = 0; r < pH; r++) {
    const int32_t iy = r - padTop;
    int16_t *dst = xs + (size_t)r * rowLen;
    if (iy < 0 || iy >= inH || c1 <= c0) {
      for (size_t i = 0; i < rowLen; i++) dst[i] = 0;
      continue;
    }
    for (int32_t i = 0; i < c0 * inC; i++) dst[i] = 0;
    for (size_t i = (size_t)c1 * inC; i < rowLen; i++) dst[i] = 0;
    dst += (size_t)c0 * inC;
    const int32_t n = (c1 - c0) * inC;
    if (x8) {
      const int8_t *src = x8 + (size_t)iy * inW * inC;
      for (int32_t i = 0; i < n; i++) {
        const int32_t d = (int32_t)((uint32_t)src[i] - (uint32_t)zp);
        xBits |= magnitude_bits(d);
        dst[i] = (int16_t)d;
      }
      continue;
    }
    const int32_t *src = x + (size_t)iy * inW * inC;
    for (int32_t i = 0; i < n; i++) {
      /* Wrapping difference: exact whenever the range check below passes. */
      const int32_t d = (int32_t)((uint32_t)src[i] - (uint32_t)zp);
      xBits |= magnitude_bits(d);
      dst[i] = (int16_t)d;
    }
  }
  /* A wrapped difference could look small: bound zp's side too (x itself fits int32). */
  const int64_t xMax = (int64_t)xBits + 1, wMax = (int64_t)wBits + 1;
  if (wMax > 32768 || xMax > 32768 || zp < -32768 || zp > 32767 ||
      (int64_t)taps * xMax * wMax >= ((int64_t)1 << 31))
    return 0;
  const requant_ch *rq = requant_table(bias, mult, shift, outC, (int64_t)taps * xMax * wMax);
  if (!rq) return 0;
  const int32_t outZp = q->outZp, lo = q->actMin, hi = q->actMax;
  /* Two windows: output pixels go in pairs (the second repeats the first when outW is odd).
   * A window row of fewer than 8 taps (a one-channel first layer: 3) is copied as 8, the
   * overrun landing on the next row's start (copied after it) or, after the last row, on the
   * padding taps, zeroed again after; a memcpy call per 3 taps would cost more than the taps. */
  static const int16_t ZERO8[8] = {0};
  int16_t win[2][MAX_TAPS16 + 8];
  int32_t sums[8];
  for (int32_t t = taps; t < tp; t++) win[0][t] = win[1][t] = 0;
  for (int32_t oy = 0; oy < outH; oy++) {
    for (int32_t ox = 0; ox < outW; ox += 2) {
      const int32_t pair = ox + 1 < outW;
      for (int32_t k = 0; k <= pair; k++) {
        const int16_t *base = xs + (size_t)oy * sH * rowLen + (size_t)(ox + k) * sW * inC;
        if (run < 8) {
          for (int32_t ky = 0; ky < kH; ky++)
            memcpy(win[k] + ky * run, base + (size_t)ky * rowLen, 8 * sizeof(int16_t));
          memcpy(win[k] + taps, ZERO8, sizeof ZERO8);
          continue;
        }
        for (int32_t ky = 0; ky < kH; ky++) {
          const int16_t *src = base + (size_t)ky * rowLen;
          int16_t *dst = win[k] + ky * run;
          for (int32_t i = 0; i < run; i++) dst[i] = src[i];
        }
      }
      const int16_t *second = win[pair];
      const size_t at = ((size_t)oy * outW + ox) * outC;
      int32_t *o_row = out8 ? NULL : out + at;
      int8_t *o_row8 = out8 ? out8 + at : NULL;
      for (int32_t o = 0; o < outC; o += 4) {
        const int32_t n = outC - o < 4 ? outC - o : 4;
        dot16x4x2(win[0], second, ws + (size_t)o * tp, tp, sums);
        requant_row(sums, rq + o, n, outZp, lo, hi, o_row ? o_row + o : NULL,
                    o_row8 ? o_row8 + o : NULL);
        if (pair)
          requant_row(sums + 4, rq + o, n, outZp, lo, hi, o_row ? o_row + outC + o : NULL,
                      o_row8 ? o_row8 + outC + o : NULL);
      }
    }
  }
  return 1;
}

void es_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out) {
  if (conv2d_16(x, NULL, w, NULL, bias, mult, shift, g, q, out, NULL)) return;
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

int es_conv2d_s8(const int8_t *x, const int8_t *w, const int32_t *bias, const int32_t *mult,
                 const int32_t *shift, const es_geom *g, const es_requant *q, int8_t *out) {
  return conv2d_16(NULL, x, NULL, w, bias, mult, shift, g, q, NULL, out);
}

/* The taps [tap0, tap1) of a k-tap window starting at input index i0 that fall inside an input
 * of n: a window hanging over the padding skips those taps (they add zero). */
static inline int32_t tap0(int32_t i0) { return i0 < 0 ? -i0 : 0; }
static inline int32_t tap1(int32_t i0, int32_t n, int32_t k) { return n - i0 < k ? n - i0 : k; }

/* Output channels per pass of a depthwise window: each tap adds its weights to a block of
 * accumulators (contiguous in w and out), so the tap's bounds and addresses are found once per
 * pixel instead of once per channel. Integer sums, so the order does not change the result. */
#define DW_BLOCK 64

/* The depthwise loops for int32 (x, w, out) or int8 (x8, w8, out8) tensors, the flag constant
 * per caller so each compiles without the other's tests. The same integer sums either way. */
static inline __attribute__((always_inline)) void depthwise_mode(
    const int32_t *x, const int8_t *x8, const int32_t *w, const int8_t *w8, const int32_t *bias,
    const int32_t *mult, const int32_t *shift, const es_geom *g, const es_requant *q,
    int32_t *out, int8_t *out8, const int is8) {
  const int32_t dm = g->outC / g->inC;
  const int32_t inH = g->inH, inW = g->inW, inC = g->inC, outC = g->outC, kH = g->kH, kW = g->kW;
  const int32_t zp = q->inZp;
  /* A 1 x 1 window over every pixel, one output channel per input channel (a per-channel
   * affine, as an exported batch norm): one product per value, no window bounds. */
  if (kH == 1 && kW == 1 && dm == 1 && g->strideH == 1 && g->strideW == 1 && g->padTop == 0 &&
      g->padLeft == 0 && g->outH == inH && g->outW == inW) {
    const size_t pixels = (size_t)inH * inW;
    /* Locals: a store through int8_t* may alias anything, so fields read in the loop would be
     * reloaded after every value. */
    const int32_t ozp = q->outZp, lo = q->actMin, hi = q->actMax;
    /* int8: |x - zp| <= 255 and |w| <= 128, so with the table's bias check every sum fits the
     * int64 form of rescale (requant_one), as it would take it. */
    const requant_ch *rq = is8 ? requant_table(bias, mult, shift, outC, 255 * 128) : NULL;
    if (rq) {
      for (size_t p = 0; p < pixels; p++) {
        const int8_t *xp = x8 + p * (size_t)outC;
        int8_t *op = out8 + p * (size_t)outC;
        for (int32_t c = 0; c < outC; c++) op[c] = (int8_t)requant_one((xp[c] - zp) * w8[c], rq + c, ozp, lo, hi);
      }
      return;
    }
    for (size_t p = 0; p < pixels; p++)
      for (int32_t c = 0; c < outC; c++) {
        const size_t i = p * (size_t)outC + c;
        const int64_t v = (int64_t)(is8 ? x8[i] : x[i]) - zp;
        const int32_t r = clamp64(ozp + rescale(bias[c] + v * (is8 ? w8[c] : w[c]), mult[c], shift[c]), lo, hi);
        if (is8) out8[i] = (int8_t)r;
        else out[i] = r;
      }
    return;
  }
  /* int8, one output channel per input channel (DS-CNN's depthwise layers), an int8 zero
   * point: every sum of at most kH * kW products of |x - zp| <= 255 and |w| <= 128 fits int32
   * once the table's bias check passes, so the taps add into int32 lanes the compiler
   * vectorizes, and the table requantizes as rescale would (the int64 path below costs ~16
   * instructions a tap; this one ~2, plus ~17 per output value for the requantization). */
  const requant_ch *rq8 = is8 && dm == 1 && zp >= -128 && zp <= 127
                              ? requant_table(bias, mult, shift, outC, (int64_t)kH * kW * 255 * 128)
                              : NULL;
  if (rq8) {
    const int32_t ozp = q->outZp, lo = q->actMin, hi = q->actMax;
    const int16_t zp16 = (int16_t)zp;
    int32_t sum[DW_BLOCK];
    for (int32_t oy = 0; oy < g->outH; oy++) {
      const int32_t iy0 = oy * g->strideH - g->padTop, ky0 = tap0(iy0), ky1 = tap1(iy0, inH, kH);
      for (int32_t ox = 0; ox < g->outW; ox++) {
        const int32_t ix0 = ox * g->strideW - g->padLeft, kx0 = tap0(ix0), kx1 = tap1(ix0, inW, kW);
        int8_t *op = out8 + ((size_t)oy * g->outW + ox) * outC;
        for (int32_t o0 = 0; o0 < outC; o0 += DW_BLOCK) {
          const int32_t n = outC - o0 < DW_BLOCK ? outC - o0 : DW_BLOCK;
          for (int32_t i = 0; i < n; i++) sum[i] = 0;
          for (int32_t ky = ky0; ky < ky1; ky++)
            for (int32_t kx = kx0; kx < kx1; kx++) {
              const int8_t *xp = x8 + ((size_t)(iy0 + ky) * inW + (ix0 + kx)) * inC + o0;
              const int8_t *wp = w8 + ((size_t)ky * kW + kx) * outC + o0;
              /* int16 operands (|x - zp| <= 255): SSE2 widens their products (pmullw, pmulhw)
               * where a product of int32s would take pmuludq and shuffles. */
              for (int32_t i = 0; i < n; i++)
                sum[i] += (int16_t)((int16_t)xp[i] - zp16) * (int16_t)wp[i];
            }
          for (int32_t i = 0; i < n; i++) op[o0 + i] = (int8_t)requant_one(sum[i], rq8 + o0 + i, ozp, lo, hi);
        }
      }
    }
    return;
  }
  int64_t acc[DW_BLOCK];
  int32_t src[DW_BLOCK]; /* input channel of each output channel in the block */
  for (int32_t oy = 0; oy < g->outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop, ky0 = tap0(iy0), ky1 = tap1(iy0, inH, kH);
    for (int32_t ox = 0; ox < g->outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft, kx0 = tap0(ix0), kx1 = tap1(ix0, inW, kW);
      const size_t at = ((size_t)oy * g->outW + ox) * outC;
      for (int32_t o0 = 0; o0 < outC; o0 += DW_BLOCK) {
        const int32_t n = outC - o0 < DW_BLOCK ? outC - o0 : DW_BLOCK;
        for (int32_t i = 0; i < n; i++) {
          acc[i] = bias[o0 + i];
          src[i] = (o0 + i) / dm;
        }
        for (int32_t ky = ky0; ky < ky1; ky++) {
          for (int32_t kx = kx0; kx < kx1; kx++) {
            const size_t xp = ((size_t)(iy0 + ky) * inW + (ix0 + kx)) * inC;
            const size_t wp = ((size_t)ky * kW + kx) * outC + o0;
#define DW_X(k) ((int64_t)(is8 ? x8[xp + (k)] : x[xp + (k)]) - zp)
#define DW_W(k) (is8 ? w8[wp + (k)] : w[wp + (k)])
            if (dm == 1) {
              for (int32_t i = 0; i < n; i++) acc[i] += DW_X(o0 + i) * DW_W(i);
            } else if (inC == 1) {
              const int64_t xv = DW_X(0);
              for (int32_t i = 0; i < n; i++) acc[i] += xv * DW_W(i);
            } else {
              for (int32_t i = 0; i < n; i++) acc[i] += DW_X(src[i]) * DW_W(i);
            }
#undef DW_X
#undef DW_W
          }
        }
        for (int32_t i = 0; i < n; i++) {
          const int32_t r = clamp64(q->outZp + rescale(acc[i], mult[o0 + i], shift[o0 + i]), q->actMin, q->actMax);
          if (is8) out8[at + o0 + i] = (int8_t)r;
          else out[at + o0 + i] = r;
        }
      }
    }
  }
}

void es_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out) {
  depthwise_mode(x, NULL, w, NULL, bias, mult, shift, g, q, out, NULL, 0);
}

int es_depthwise_conv2d_s8(const int8_t *x, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, const es_geom *g,
                           const es_requant *q, int8_t *out) {
  if (q->actMin < -128 || q->actMax > 127) return 0;
  depthwise_mode(NULL, x, NULL, w, bias, mult, shift, g, q, NULL, out, 1);
  return 1;
}

void es_dense(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
              const int32_t *shift, int32_t inN, int32_t outN, const es_requant *q, int32_t *out) {
  for (int32_t o = 0; o < outN; o++) {
    int64_t acc = bias[o];
    acc += dot_zp(x, w + (int64_t)o * inN, inN, q->inZp);
    out[o] = clamp64(q->outZp + rescale(acc, mult[o], shift[o]), q->actMin, q->actMax);
  }
}

/* Channels per pass of a pooling window: the window's taps run over a block of channels at a
 * time (contiguous in x), summed or compared lane by lane. */
#define POOL_BLOCK 64

/* Average / max pooling over the in-image taps of each window. Each output pixel finds its
 * valid tap range once; channels are the inner loop, in blocks. Sums are exact in int32 when
 * taps * max|x| < 2^31 (checked per call; always for int8 input); otherwise in int64. Input
 * x (int32) or x8 (int8), output out (int32) or out8 (int8: [actMin, actMax] must lie in int8,
 * else nothing is written and it returns 0). */
/* pool()'s loops for one mode: compiled once per (is_max, is8, narrow), the flags constant. */
static inline __attribute__((always_inline)) void pool_mode(
    const int32_t *x, const int8_t *x8, const es_geom *g, int32_t actMin, int32_t actMax,
    int32_t *out, int8_t *out8, const int is_max, const int is8, const int narrow) {
  const int32_t ch = g->inC, inH = g->inH, inW = g->inW, kH = g->kH, kW = g->kW;
  const int32_t outH = g->outH, outW = g->outW;
  for (int32_t oy = 0; oy < outH; oy++) {
    const int32_t iy0 = oy * g->strideH - g->padTop;
    const int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = inH - iy0 < kH ? inH - iy0 : kH;
    for (int32_t ox = 0; ox < outW; ox++) {
      const int32_t ix0 = ox * g->strideW - g->padLeft;
      const int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = inW - ix0 < kW ? inW - ix0 : kW;
      const int32_t count = ky1 > ky0 && kx1 > kx0 ? (ky1 - ky0) * (kx1 - kx0) : 0;
      const size_t at = ((size_t)oy * outW + ox) * ch;
      for (int32_t c0 = 0; c0 < ch; c0 += POOL_BLOCK) {
        const int32_t n = ch - c0 < POOL_BLOCK ? ch - c0 : POOL_BLOCK;
        int32_t acc[POOL_BLOCK];
        int64_t wide[POOL_BLOCK];
        /* No tap in the image: max keeps its start (actMin), an average is 0. */
        for (int32_t k = 0; k < n; k++) acc[k] = is_max ? actMin : 0;
        if (!narrow)
          for (int32_t k = 0; k < n; k++) wide[k] = 0;
        for (int32_t ky = ky0; ky < ky1 && count > 0; ky++) {
          for (int32_t kx = kx0; kx < kx1; kx++) {
            const size_t px = ((size_t)(iy0 + ky) * inW + ix0 + kx) * ch + c0;
            if (is_max && ky == ky0 && kx == kx0) {
              for (int32_t k = 0; k < n; k++) acc[k] = is8 ? x8[px + k] : x[px + k];
            } else if (is_max) {
              for (int32_t k = 0; k < n; k++) {
                const int32_t v = is8 ? x8[px + k] : x[px + k];
                acc[k] = v > acc[k] ? v : acc[k];
              }
            } else if (narrow) {
              for (int32_t k = 0; k < n; k++) acc[k] += is8 ? x8[px + k] : x[px + k];
            } else {
              for (int32_t k = 0; k < n; k++) wide[k] += x[px + k];
            }
          }
        }
        if (!is_max && count > 0) {
          if (narrow)
            for (int32_t k = 0; k < n; k++) acc[k] = div_round_half_away(acc[k], count);
          else
            for (int32_t k = 0; k < n; k++)
              acc[k] = clamp64(div_round_half_away(wide[k], count), actMin, actMax);
        }
        if (out8)
          for (int32_t k = 0; k < n; k++) out8[at + c0 + k] = (int8_t)clamp64(acc[k], actMin, actMax);
        else
          for (int32_t k = 0; k < n; k++) out[at + c0 + k] = clamp64(acc[k], actMin, actMax);
      }
    }
  }
}

static int pool(const int32_t *x, const int8_t *x8, const es_geom *g, int32_t actMin,
                int32_t actMax, int32_t *out, int8_t *out8, int is_max) {
  if (out8 && (actMin < -128 || actMax > 127)) return 0;
  if (x8 && is_max) pool_mode(x, x8, g, actMin, actMax, out, out8, 1, 1, 1);
  else if (x8) pool_mode(x, x8, g, actMin, actMax, out, out8, 0, 1, 1);
  else if (is_max) pool_mode(x, x8, g, actMin, actMax, out, out8, 1, 0, 1);
  else {
    uint32_t bits = 0;
    const size_t n = (size_t)g->inH * g->inW * g->inC;
    for (size_t i = 0; i < n; i++) bits |= (uint32_t)(x[i] ^ (x[i] >> 31));
    if (((int64_t)bits + 1) * g->kH * g->kW < ((int64_t)1 << 31))
      pool_mode(x, x8, g, actMin, actMax, out, out8, 0, 0, 1);
    else
      pool_mode(x, x8, g, actMin, actMax, out, out8, 0, 0, 0);
  }
  return 1;
}

void es_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  pool(x, NULL, g, actMin, actMax, out, NULL, 0);
}

void es_max_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  pool(x, NULL, g, actMin, actMax, out, NULL, 1);
}

int es_avg_pool2d_s8(const int8_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                     int8_t *out) {
  return pool(NULL, x, g, actMin, actMax, NULL, out, 0);
}

int es_max_pool2d_s8(const int8_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                     int8_t *out) {
  return pool(NULL, x, g, actMin, actMax, NULL, out, 1);
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

/* es_add_q on int32 (a, b, out) or int8 (a8, b8, out8) arrays; the parameters are read into
 * locals first (an int32 store to out could alias them, as far as the compiler knows). */
static void add_q(const int32_t *a, const int8_t *a8, const int32_t *b, const int8_t *b8,
                  const es_add *p, int32_t *out, int8_t *out8) {
  const int64_t up = (int64_t)1 << p->leftShift;
  const int32_t n = p->n, aZp = p->aZp, bZp = p->bZp, outZp = p->outZp;
  const int32_t aMult = p->aMult, aShift = p->aShift, bMult = p->bMult, bShift = p->bShift;
  const int32_t outMult = p->outMult, outShift = p->outShift, lo = p->actMin, hi = p->actMax;
  for (int32_t i = 0; i < n; i++) {
    const int64_t av = a8 ? a8[i] : a[i], bv = b8 ? b8[i] : b[i];
    const int64_t ra = rescale((av - aZp) * up, aMult, aShift);
    const int64_t rb = rescale((bv - bZp) * up, bMult, bShift);
    const int32_t v = clamp64(outZp + rescale(ra + rb, outMult, outShift), lo, hi);
    if (out8) out8[i] = (int8_t)v;
    else out[i] = v;
  }
}

void es_add_q(const int32_t *a, const int32_t *b, const es_add *p, int32_t *out) {
  add_q(a, NULL, b, NULL, p, out, NULL);
}

int es_add_q_s8(const int8_t *a, const int8_t *b, const es_add *p, int8_t *out) {
  if (p->actMin < -128 || p->actMax > 127) return 0;
  add_q(NULL, a, NULL, b, p, NULL, out);
  return 1;
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
