/*
 * Float32 convolution kernels for training (conv forward, input gradient, filter gradient),
 * called by host/train/kernels/native.ts on tensors inside the tfjs wasm backend's memory (zero
 * copy: the memory's ArrayBuffer and byte offsets, as the AssemblyScript kernels take them).
 * NHWC tensors, filters [fh, fw, inC, outC] (HWIO, as tfjs keeps them), dilation 1.
 *
 * All three run one register-tiled AVX-512 core on zero-padded copies of their input, so the
 * inner loops have no bounds checks:
 *   forward     out[p, o] = sum over (fy, fx, ci) of xpad[tap] * w[fy, fx, ci, o]: 8 output
 *               positions x 32 channels (or 4 x 64) of accumulators, the input value broadcast.
 *   input grad  the forward core on dy dilated by the strides and padded for a full correlation,
 *               with the filter flipped and transposed to [fh, fw, outC, inC]; with fewer than 8
 *               input channels, per input pixel a dot product over outC of the taps that reach it.
 *   filter grad dW[fy, k, o] = sum over positions of xpad[row + fy, k] * dy[p, o], k = fx*inC + ci
 *               (consecutive k are consecutive in a padded row): 12 taps x 32 channels of
 *               accumulators over all positions.
 * Work is split over up to EARSHOT_TRAIN_THREADS threads (batch images, or filter-gradient
 * tiles), each writing its own outputs: results do not depend on the thread count.
 * Without AVX-512, with AVX2 and FMA, the same tiles run on 8-lane vectors (fewer accumulators:
 * 16 registers instead of 32); the sums run in the same order, with the same fused multiply-adds.
 * Without either, the loops run as portable C.
 */
#include "train.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__)
#define TRAIN_AVX2 1
#endif
#if defined(__AVX512F__) || defined(TRAIN_AVX2)
#include <immintrin.h>
#endif

typedef struct {
  int32_t n, h, w, c, oh, ow, fh, fw, sh, sw, pt, pl, oc;
} geom;

/* Fused conv + ReLU + pooling: at most this many taps (fh*fw*inC) and output channels. */
#define CRP_MAX_TAPS 32
#define CRP_MAX_OC 32
#define CRP_CHUNKS 8

/* ---------- scratch ---------- */

typedef struct {
  float *p;
  size_t cap;
} buf;

static float *need(buf *b, size_t n) {
  if (n > b->cap) {
    free(b->p);
    b->p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    b->cap = b->p ? n : 0;
  }
  return b->p;
}

/* Per calling thread: replicas may run in worker_threads of one process. */
static __thread buf pad_buf, wt_buf;

/* Copies src [n, h, w, c] into dst [n, H, W, c], zero elsewhere, with src pixel (y, x) at
 * (top + y*sy, left + x*sx) (sy, sx > 1 dilate: the input gradient's strided dy). */
static void pad_copy(const float *src, int n, int h, int w, int c, float *dst, int H, int W,
                     int top, int left, int sy, int sx) {
  memset(dst, 0, (size_t)n * H * W * c * sizeof(float) + 16 * sizeof(float));
  for (int b = 0; b < n; b++)
    for (int y = 0; y < h; y++) {
      const int r = top + y * sy;
      if (r < 0 || r >= H) continue;
      for (int x = 0; x < w; x++) {
        const int s = left + x * sx;
        if (s < 0 || s >= W) continue;
        memcpy(dst + (((size_t)b * H + r) * W + s) * c, src + (((size_t)b * h + y) * w + x) * c,
               (size_t)c * sizeof(float));
      }
    }
}

/* ---------- threads ---------- */

typedef void (*task_fn)(void *ctx, int lo, int hi);

typedef struct {
  pthread_t id;
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  task_fn fn;
  void *ctx;
  int lo, hi, busy, started;
} worker;

#define MAX_THREADS 8
static worker workers[MAX_THREADS];
static int n_threads = 1;
/* One caller at a time uses the pool; another (a second worker_thread) runs alone meanwhile. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker_main(void *arg) {
  worker *wk = arg;
  pthread_mutex_lock(&wk->mu);
  for (;;) {
    while (!wk->busy) pthread_cond_wait(&wk->go, &wk->mu);
    pthread_mutex_unlock(&wk->mu);
    wk->fn(wk->ctx, wk->lo, wk->hi);
    pthread_mutex_lock(&wk->mu);
    wk->busy = 0;
    pthread_cond_signal(&wk->done);
  }
  return NULL;
}

/* Runs fn over [0, count) in n_threads contiguous parts, the caller taking the first. */
static void parallel(task_fn fn, void *ctx, int count) {
  int t = n_threads < count ? n_threads : count;
  if (t <= 1 || pthread_mutex_trylock(&pool_mu) != 0) {
    fn(ctx, 0, count);
    return;
  }
  for (int i = 1; i < t; i++) {
    worker *wk = &workers[i];
    if (!wk->started) {
      pthread_mutex_init(&wk->mu, NULL);
      pthread_cond_init(&wk->go, NULL);
      pthread_cond_init(&wk->done, NULL);
      if (pthread_create(&wk->id, NULL, worker_main, wk) != 0) {
        t = i; /* no more threads: the caller does the rest */
        break;
      }
      pthread_detach(wk->id);
      wk->started = 1;
    }
  }
  for (int i = 1; i < t; i++) {
    worker *wk = &workers[i];
    pthread_mutex_lock(&wk->mu);
    wk->fn = fn;
    wk->ctx = ctx;
    wk->lo = (int)((int64_t)count * i / t);
    wk->hi = (int)((int64_t)count * (i + 1) / t);
    wk->busy = 1;
    pthread_cond_signal(&wk->go);
    pthread_mutex_unlock(&wk->mu);
  }
  fn(ctx, 0, (int)((int64_t)count / t));
  for (int i = 1; i < t; i++) {
    worker *wk = &workers[i];
    pthread_mutex_lock(&wk->mu);
    while (wk->busy) pthread_cond_wait(&wk->done, &wk->mu);
    pthread_mutex_unlock(&wk->mu);
  }
  pthread_mutex_unlock(&pool_mu);
}

/* ---------- forward core ---------- */

/* out[b, y, xo, 0..oc) = sum over fy, fx, d of src[b, y*sh + fy, xo*sw + fx, d] * wt[fy, fx, d, o]
 * for images [b0, b1); src is padded (every tap inside), [n, H, W, depth]. */
typedef struct {
  const float *src, *wt;
  float *out;
  int H, W, depth, fh, fw, oh, ow, sh, sw, oc;
} fwd_job;

#ifdef __AVX512F__
/* P output positions x NV vectors of 16 channels in registers (P*NV <= 16). */
static inline __attribute__((always_inline)) void fwd_tile(const int P, const int NV,
                                                           const fwd_job *j, int b, int y, int xo,
                                                           int np, int og) {
  __m512 acc[8][4];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = _mm512_setzero_ps();
  const int rest = j->oc - og;
  __mmask16 m[4];
  for (int v = 0; v < 4; v++) {
    const int k = rest - 16 * v;
    m[v] = k >= 16 ? 0xFFFF : k <= 0 ? 0 : (__mmask16)((1u << k) - 1);
  }
  const int d = j->depth;
  for (int fy = 0; fy < j->fh; fy++) {
    const float *row = j->src + ((size_t)b * j->H + (size_t)y * j->sh + fy) * j->W * d;
    for (int fx = 0; fx < j->fw; fx++) {
      const float *xs[8];
      for (int p = 0; p < P; p++) {
        const int q = p < np ? p : np - 1; /* tail: repeat the last position, not stored */
        xs[p] = row + ((size_t)(xo + q) * j->sw + fx) * d;
      }
      const float *wr = j->wt + ((size_t)(fy * j->fw + fx) * d) * j->oc + og;
      for (int ci = 0; ci < d; ci++, wr += j->oc) {
        __m512 wv[4];
        for (int v = 0; v < NV; v++) wv[v] = _mm512_maskz_loadu_ps(m[v], wr + 16 * v);
        for (int p = 0; p < P; p++) {
          const __m512 xb = _mm512_set1_ps(xs[p][ci]);
          for (int v = 0; v < NV; v++) acc[p][v] = _mm512_fmadd_ps(xb, wv[v], acc[p][v]);
        }
      }
    }
  }
  for (int p = 0; p < P; p++) {
    if (p >= np) break;
    float *o = j->out + (((size_t)b * j->oh + y) * j->ow + xo + p) * j->oc + og;
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(o + 16 * v, m[v], acc[p][v]);
  }
}

static void fwd_images(void *ctx, int b0, int b1) {
  const fwd_job *j = ctx;
  for (int og = 0; og < j->oc; og += 64) {
    const int nv = (j->oc - og + 15) / 16;
    const int P = nv <= 2 ? 8 : 4;
    for (int b = b0; b < b1; b++)
      for (int y = 0; y < j->oh; y++)
        for (int xo = 0; xo < j->ow; xo += P) {
          const int np = j->ow - xo < P ? j->ow - xo : P;
          if (nv == 1) fwd_tile(8, 1, j, b, y, xo, np, og);
          else if (nv == 2) fwd_tile(8, 2, j, b, y, xo, np, og);
          else if (nv == 3) fwd_tile(4, 3, j, b, y, xo, np, og);
          else fwd_tile(4, 4, j, b, y, xo, np, og);
        }
  }
}
#elif defined(TRAIN_AVX2)
/* Lanes [0, k) of an 8-lane vector: the mask of a group's last, partly filled vector. */
static inline __m256i lanes_below(int k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 8-lane vectors in a group of up to 32 of `channels` channels. */
static int group_vectors(int channels) { return (channels + 7) / 8 < 4 ? (channels + 7) / 8 : 4; }

/* P output positions x NV vectors of 8 channels in registers (P*NV <= 12); the group's vectors
 * before the last are full, the last is masked. */
static inline __attribute__((always_inline)) void fwd_tile(const int P, const int NV,
                                                           const fwd_job *j, int b, int y, int xo,
                                                           int np, int og) {
  __m256 acc[8][4];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = _mm256_setzero_ps();
  const __m256i last = lanes_below(j->oc - og - 8 * (NV - 1));
  const int d = j->depth;
  for (int fy = 0; fy < j->fh; fy++) {
    const float *row = j->src + ((size_t)b * j->H + (size_t)y * j->sh + fy) * j->W * d;
    for (int fx = 0; fx < j->fw; fx++) {
      const float *xs[8];
      for (int p = 0; p < P; p++) {
        const int q = p < np ? p : np - 1; /* tail: repeat the last position, not stored */
        xs[p] = row + ((size_t)(xo + q) * j->sw + fx) * d;
      }
      const float *wr = j->wt + ((size_t)(fy * j->fw + fx) * d) * j->oc + og;
      for (int ci = 0; ci < d; ci++, wr += j->oc) {
        __m256 wv[4];
        for (int v = 0; v < NV - 1; v++) wv[v] = _mm256_loadu_ps(wr + 8 * v);
        wv[NV - 1] = _mm256_maskload_ps(wr + 8 * (NV - 1), last);
        for (int p = 0; p < P; p++) {
          const __m256 xb = _mm256_broadcast_ss(xs[p] + ci);
          for (int v = 0; v < NV; v++) acc[p][v] = _mm256_fmadd_ps(xb, wv[v], acc[p][v]);
        }
      }
    }
  }
  for (int p = 0; p < P; p++) {
    if (p >= np) break;
    float *o = j->out + (((size_t)b * j->oh + y) * j->ow + xo + p) * j->oc + og;
    for (int v = 0; v < NV - 1; v++) _mm256_storeu_ps(o + 8 * v, acc[p][v]);
    _mm256_maskstore_ps(o + 8 * (NV - 1), last, acc[p][NV - 1]);
  }
}

static void fwd_images(void *ctx, int b0, int b1) {
  const fwd_job *j = ctx;
  for (int og = 0; og < j->oc; og += 32) {
    const int nv = group_vectors(j->oc - og);
    const int P = nv == 1 ? 8 : nv == 2 ? 6 : nv == 3 ? 4 : 3;
    for (int b = b0; b < b1; b++)
      for (int y = 0; y < j->oh; y++)
        for (int xo = 0; xo < j->ow; xo += P) {
          const int np = j->ow - xo < P ? j->ow - xo : P;
          if (nv == 1) fwd_tile(8, 1, j, b, y, xo, np, og);
          else if (nv == 2) fwd_tile(6, 2, j, b, y, xo, np, og);
          else if (nv == 3) fwd_tile(4, 3, j, b, y, xo, np, og);
          else fwd_tile(3, 4, j, b, y, xo, np, og);
        }
  }
}
#else
static void fwd_images(void *ctx, int b0, int b1) {
  const fwd_job *j = ctx;
  const int d = j->depth;
  for (int b = b0; b < b1; b++)
    for (int y = 0; y < j->oh; y++)
      for (int xo = 0; xo < j->ow; xo++) {
        float *o = j->out + (((size_t)b * j->oh + y) * j->ow + xo) * j->oc;
        for (int k = 0; k < j->oc; k++) o[k] = 0;
        for (int fy = 0; fy < j->fh; fy++)
          for (int fx = 0; fx < j->fw; fx++) {
            const float *xs =
                j->src + (((size_t)b * j->H + (size_t)y * j->sh + fy) * j->W +
                          (size_t)xo * j->sw + fx) * d;
            const float *wr = j->wt + ((size_t)(fy * j->fw + fx) * d) * j->oc;
            for (int ci = 0; ci < d; ci++, wr += j->oc)
              for (int k = 0; k < j->oc; k++) o[k] += xs[ci] * wr[k];
          }
      }
}
#endif

/* ---------- filter gradient core ---------- */

typedef struct {
  const float *xp, *dy;
  float *dw;
  int n, H, W, c, oh, ow, fh, fw, sh, sw, oc, K, tapTiles, oGroups;
  int tt; /* taps per tile */
} fgrad_job;

/* Taps per filter-gradient tile: T rows of dW (any fy, k) x 32 channels in registers (AVX2:
 * 12 / vectors per group, fgrad_taps_per_tile). */
#define T 12

#ifdef TRAIN_AVX2
static int fgrad_taps_per_tile(int oc) { return 12 / group_vectors(oc); }

/* TT taps x NV vectors of 8 channels (TT*NV <= 12) summed over every position, in the order the
 * AVX-512 tile sums them. */
static inline __attribute__((always_inline)) void fgrad_tile(const int TT, const int NV,
                                                             const fgrad_job *j, int og, int tap0,
                                                             const size_t *off, int taps) {
  const size_t rowLen = (size_t)j->W * j->c;
  const __m256i last = lanes_below(j->oc - og - 8 * (NV - 1));
  __m256 acc[12][4];
  for (int k = 0; k < TT; k++)
    for (int v = 0; v < NV; v++) acc[k][v] = _mm256_setzero_ps();
  for (int b = 0; b < j->n; b++)
    for (int y = 0; y < j->oh; y++) {
      const float *xr = j->xp + ((size_t)b * j->H + (size_t)y * j->sh) * rowLen;
      const float *dr = j->dy + ((size_t)b * j->oh + y) * j->ow * j->oc + og;
      for (int xo = 0; xo < j->ow; xo++, dr += j->oc) {
        const float *xs = xr + (size_t)xo * j->sw * j->c;
        __m256 dv[4];
        for (int v = 0; v < NV - 1; v++) dv[v] = _mm256_loadu_ps(dr + 8 * v);
        dv[NV - 1] = _mm256_maskload_ps(dr + 8 * (NV - 1), last);
        for (int k = 0; k < TT; k++) {
          const __m256 xb = _mm256_broadcast_ss(xs + off[k]);
          for (int v = 0; v < NV; v++) acc[k][v] = _mm256_fmadd_ps(xb, dv[v], acc[k][v]);
        }
      }
    }
  for (int k = 0; k < TT && tap0 + k < taps; k++) {
    float *o = j->dw + (size_t)(tap0 + k) * j->oc + og;
    for (int v = 0; v < NV - 1; v++) _mm256_storeu_ps(o + 8 * v, acc[k][v]);
    _mm256_maskstore_ps(o + 8 * (NV - 1), last, acc[k][NV - 1]);
  }
}
#else
static int fgrad_taps_per_tile(int oc) {
  (void)oc;
  return T;
}
#endif

static void fgrad_tiles(void *ctx, int t0, int t1) {
  const fgrad_job *j = ctx;
  const size_t rowLen = (size_t)j->W * j->c;
  const int taps = j->fh * j->K;
  for (int t = t0; t < t1; t++) {
    /* Tile t: taps tap0 .. tap0+T (tap = fy*K + k; a tail tile repeats its last tap, unstored),
     * channels og .. og+32. Tap i of a position reads xpad[row + off[i]]. */
    const int og = (t % j->oGroups) * 32;
    const int tap0 = (t / j->oGroups) * j->tt;
    size_t off[T];
    for (int i = 0; i < j->tt; i++) {
      const int tap = tap0 + i < taps ? tap0 + i : taps - 1;
      off[i] = (size_t)(tap / j->K) * rowLen + (size_t)(tap % j->K);
    }
#ifdef __AVX512F__
    const int rest = j->oc - og;
    const __mmask16 m0 = rest >= 16 ? 0xFFFF : (__mmask16)((1u << rest) - 1);
    const __mmask16 m1 = rest >= 32 ? 0xFFFF : rest <= 16 ? 0 : (__mmask16)((1u << (rest - 16)) - 1);
    __m512 a0[T], a1[T];
    for (int k = 0; k < T; k++) a0[k] = a1[k] = _mm512_setzero_ps();
    for (int b = 0; b < j->n; b++)
      for (int y = 0; y < j->oh; y++) {
        const float *xr = j->xp + ((size_t)b * j->H + (size_t)y * j->sh) * rowLen;
        const float *dr = j->dy + ((size_t)b * j->oh + y) * j->ow * j->oc + og;
        if (m1) {
          for (int xo = 0; xo < j->ow; xo++, dr += j->oc) {
            const float *xs = xr + (size_t)xo * j->sw * j->c;
            const __m512 d0 = _mm512_maskz_loadu_ps(m0, dr);
            const __m512 d1 = _mm512_maskz_loadu_ps(m1, dr + 16);
            for (int k = 0; k < T; k++) {
              const __m512 xb = _mm512_set1_ps(xs[off[k]]);
              a0[k] = _mm512_fmadd_ps(xb, d0, a0[k]);
              a1[k] = _mm512_fmadd_ps(xb, d1, a1[k]);
            }
          }
        } else {
          for (int xo = 0; xo < j->ow; xo++, dr += j->oc) {
            const float *xs = xr + (size_t)xo * j->sw * j->c;
            const __m512 d0 = _mm512_maskz_loadu_ps(m0, dr);
            for (int k = 0; k < T; k++) a0[k] = _mm512_fmadd_ps(_mm512_set1_ps(xs[off[k]]), d0, a0[k]);
          }
        }
      }
    for (int k = 0; k < T && tap0 + k < taps; k++) {
      float *o = j->dw + (size_t)(tap0 + k) * j->oc + og;
      _mm512_mask_storeu_ps(o, m0, a0[k]);
      if (m1) _mm512_mask_storeu_ps(o + 16, m1, a1[k]);
    }
#elif defined(TRAIN_AVX2)
    const int nv = group_vectors(j->oc - og);
    if (j->tt == 12) fgrad_tile(12, 1, j, og, tap0, off, taps);
    else if (j->tt == 6) fgrad_tile(6, 2, j, og, tap0, off, taps);
    else if (j->tt == 4) fgrad_tile(4, 3, j, og, tap0, off, taps);
    else if (nv == 4) fgrad_tile(3, 4, j, og, tap0, off, taps);
    else if (nv == 3) fgrad_tile(3, 3, j, og, tap0, off, taps);
    else if (nv == 2) fgrad_tile(3, 2, j, og, tap0, off, taps);
    else fgrad_tile(3, 1, j, og, tap0, off, taps);
#else
    const int oe = og + 32 < j->oc ? og + 32 : j->oc;
    for (int k = 0; k < j->tt && tap0 + k < taps; k++) {
      float *o = j->dw + (size_t)(tap0 + k) * j->oc;
      for (int q = og; q < oe; q++) o[q] = 0;
      for (int b = 0; b < j->n; b++)
        for (int y = 0; y < j->oh; y++) {
          const float *xr = j->xp + ((size_t)b * j->H + (size_t)y * j->sh) * rowLen + off[k];
          const float *dr = j->dy + ((size_t)b * j->oh + y) * j->ow * j->oc;
          for (int xo = 0; xo < j->ow; xo++, dr += j->oc) {
            const float xv = xr[(size_t)xo * j->sw * j->c];
            for (int q = og; q < oe; q++) o[q] += xv * dr[q];
          }
        }
    }
#endif
  }
}

/* ---------- input gradient of few input channels ---------- */

/* dx[b, iy, ix, ci] = sum over the taps that reach an output (y, xo) of dy[b, y, xo, :] .
 * w[fy, fx, ci, :], vectorized over the output channels: the forward core would use one lane of
 * sixteen when inC is 1 (the first layer). */
typedef struct {
  const float *dy, *w;
  float *dx;
  geom g;
} gather_job;

static void igrad_gather(void *ctx, int b0, int b1) {
  const gather_job *j = ctx;
  const geom *g = &j->g;
  for (int b = b0; b < b1; b++)
    for (int iy = 0; iy < g->h; iy++)
      for (int ix = 0; ix < g->w; ix++) {
        float *out = j->dx + (((size_t)b * g->h + iy) * g->w + ix) * g->c;
        for (int ci = 0; ci < g->c; ci++) {
#ifdef __AVX512F__
          __m512 acc = _mm512_setzero_ps();
#else
          float acc = 0;
#endif
          for (int fy = 0; fy < g->fh; fy++) {
            const int ty = iy + g->pt - fy;
            if (ty < 0 || ty % g->sh != 0 || ty / g->sh >= g->oh) continue;
            for (int fx = 0; fx < g->fw; fx++) {
              const int tx = ix + g->pl - fx;
              if (tx < 0 || tx % g->sw != 0 || tx / g->sw >= g->ow) continue;
              const float *d = j->dy + (((size_t)b * g->oh + ty / g->sh) * g->ow + tx / g->sw) * g->oc;
              const float *f = j->w + (((size_t)fy * g->fw + fx) * g->c + ci) * g->oc;
#ifdef __AVX512F__
              for (int o = 0; o < g->oc; o += 16) {
                const int k = g->oc - o;
                const __mmask16 m = k >= 16 ? 0xFFFF : (__mmask16)((1u << k) - 1);
                acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, d + o), _mm512_maskz_loadu_ps(m, f + o), acc);
              }
#else
              for (int o = 0; o < g->oc; o++) acc += d[o] * f[o];
#endif
            }
          }
#ifdef __AVX512F__
          out[ci] = _mm512_reduce_add_ps(acc);
#else
          out[ci] = acc;
#endif
        }
      }
}

/* Below this many input channels the input gradient gathers (igrad_gather). */
#define GATHER_BELOW 8

/* ---------- entry points ---------- */

/* Padded extent of an input so every tap of every output lies inside: rows/cols before (pt/pl)
 * and total. */
static int padded(int in, int out, int k, int s, int before) {
  const int need = (out - 1) * s + k;
  return need > in + before ? need : in + before;
}

static void conv_forward(const float *x, const float *w, float *out, const geom *g) {
  const int H = padded(g->h, g->oh, g->fh, g->sh, g->pt), W = padded(g->w, g->ow, g->fw, g->sw, g->pl);
  float *xp = need(&pad_buf, (size_t)g->n * H * W * g->c + 16);
  if (!xp) return;
  pad_copy(x, g->n, g->h, g->w, g->c, xp, H, W, g->pt, g->pl, 1, 1);
  fwd_job j = {xp, w, out, H, W, g->c, g->fh, g->fw, g->oh, g->ow, g->sh, g->sw, g->oc};
  parallel(fwd_images, &j, g->n);
}

static void conv_input_grad(const float *dy, const float *w, float *dx, const geom *g) {
  if (g->c < GATHER_BELOW) {
    gather_job j = {dy, w, dx, *g};
    parallel(igrad_gather, &j, g->n);
    return;
  }
  /* dx[iy, ix] = sum over (fy', fx') of P[iy + fy', ix + fx'] . wt[fy', fx'], P = dy dilated by
   * the strides and shifted by (fh-1-pt, fw-1-pl); wt[fy', fx', o, ci] = w[fh-1-fy', fw-1-fx', ci, o]. */
  const int top = g->fh - 1 - g->pt, left = g->fw - 1 - g->pl;
  const int H = g->h + g->fh - 1, W = g->w + g->fw - 1;
  float *pp = need(&pad_buf, (size_t)g->n * H * W * g->oc + 16);
  float *wt = need(&wt_buf, (size_t)g->fh * g->fw * g->c * g->oc);
  if (!pp || !wt) return;
  pad_copy(dy, g->n, g->oh, g->ow, g->oc, pp, H, W, top, left, g->sh, g->sw);
  for (int fy = 0; fy < g->fh; fy++)
    for (int fx = 0; fx < g->fw; fx++)
      for (int ci = 0; ci < g->c; ci++)
        for (int o = 0; o < g->oc; o++)
          wt[(((size_t)(g->fh - 1 - fy) * g->fw + (g->fw - 1 - fx)) * g->oc + o) * g->c + ci] =
              w[(((size_t)fy * g->fw + fx) * g->c + ci) * g->oc + o];
  fwd_job j = {pp, wt, dx, H, W, g->oc, g->fh, g->fw, g->h, g->w, 1, 1, g->c};
  parallel(fwd_images, &j, g->n);
}

static void conv_filter_grad(const float *x, const float *dy, float *dw, const geom *g) {
  const int H = padded(g->h, g->oh, g->fh, g->sh, g->pt), W = padded(g->w, g->ow, g->fw, g->sw, g->pl);
  float *xp = need(&pad_buf, (size_t)g->n * H * W * g->c + 16);
  if (!xp) return;
  pad_copy(x, g->n, g->h, g->w, g->c, xp, H, W, g->pt, g->pl, 1, 1);
  const int K = g->fw * g->c;
  const int tt = fgrad_taps_per_tile(g->oc);
  fgrad_job j = {xp, dy, dw, g->n, H, W, g->c, g->oh, g->ow, g->fh, g->fw, g->sh, g->sw, g->oc,
                 K, (g->fh * K + tt - 1) / tt, (g->oc + 31) / 32, tt};
  parallel(fgrad_tiles, &j, j.tapTiles * j.oGroups);
}

/* ---------- conv + ReLU + average pooling, fused (a first layer at full resolution) ---------- */

/* res8's first layer: a conv of few input channels at full resolution, ReLU, then an average
 * pooling (valid, stride = window). Fused, the full-resolution maps (res8: 19 MB a batch) are
 * never written: the forward pools each position's ReLU'd outputs in registers, and the filter
 * gradient recomputes each position's outputs for ReLU's mask and accumulates x * dy / window
 * straight into dW. Positions outside every pooling window (valid pooling drops them) take no
 * part, as in the unfused graph. Stride 1, dilation 1. */
typedef struct {
  const float *xp, *w, *dy;
  float *out; /* forward: pooled output; filter gradient: CRP_CHUNKS partial dW */
  int H, W, c, fh, fw, oc, ph, pw, poh, pow_, n, K;
  size_t off[CRP_MAX_TAPS]; /* tap t = (fy*fw + fx)*c + ci -> offset from the window's corner */
} crp_job;

static void crp_offsets(crp_job *j) {
  for (int fy = 0, t = 0; fy < j->fh; fy++)
    for (int fx = 0; fx < j->fw; fx++)
      for (int ci = 0; ci < j->c; ci++, t++) j->off[t] = ((size_t)fy * j->W + fx) * j->c + ci;
}

#ifdef __AVX512F__
static inline __attribute__((always_inline)) void crp_conv_at(const int NV, const int K, const crp_job *j,
                                                              const float *corner, const __m512 *wv,
                                                              __m512 *z) {
  for (int v = 0; v < NV; v++) z[v] = _mm512_setzero_ps();
  for (int t = 0; t < K; t++) {
    const __m512 xb = _mm512_set1_ps(corner[j->off[t]]);
    for (int v = 0; v < NV; v++) z[v] = _mm512_fmadd_ps(xb, wv[t * 2 + v], z[v]);
  }
}

static inline __attribute__((always_inline)) void crp_load_w(const int NV, const crp_job *j,
                                                             __mmask16 *m, __m512 *wv) {
  for (int v = 0; v < 2; v++) {
    const int k = j->oc - 16 * v;
    m[v] = k >= 16 ? 0xFFFF : k <= 0 ? 0 : (__mmask16)((1u << k) - 1);
  }
  for (int t = 0; t < j->K; t++)
    for (int v = 0; v < NV; v++) wv[t * 2 + v] = _mm512_maskz_loadu_ps(m[v], j->w + (size_t)t * j->oc + 16 * v);
}

static inline __attribute__((always_inline)) void crp_fwd_nv(const int NV, const int K, const crp_job *j, int b0, int b1) {
  __mmask16 m[2];
  __m512 wv[CRP_MAX_TAPS * 2];
  crp_load_w(NV, j, m, wv);
  const __m512 scale = _mm512_set1_ps(1.0f / (float)(j->ph * j->pw)), zero = _mm512_setzero_ps();
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        __m512 s[2] = {zero, zero}, z[2];
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            const float *corner =
                j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c;
            crp_conv_at(NV, K, j, corner, wv, z);
            for (int v = 0; v < NV; v++) s[v] = _mm512_add_ps(s[v], _mm512_max_ps(z[v], zero));
          }
        float *o = j->out + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(o + 16 * v, m[v], _mm512_mul_ps(s[v], scale));
      }
}

static inline __attribute__((always_inline)) void crp_grad_nv(const int NV, const int K, const crp_job *j, int b0, int b1,
                                                              float *dw) {
  __mmask16 m[2];
  __m512 wv[CRP_MAX_TAPS * 2], acc[CRP_MAX_TAPS * 2];
  crp_load_w(NV, j, m, wv);
  for (int t = 0; t < K * 2; t++) acc[t] = _mm512_setzero_ps();
  const __m512 scale = _mm512_set1_ps(1.0f / (float)(j->ph * j->pw)), zero = _mm512_setzero_ps();
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        const float *d = j->dy + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        __m512 g[2], z[2];
        for (int v = 0; v < NV; v++) g[v] = _mm512_mul_ps(_mm512_maskz_loadu_ps(m[v], d + 16 * v), scale);
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            const float *corner =
                j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c;
            crp_conv_at(NV, K, j, corner, wv, z);
            __m512 gz[2];
            for (int v = 0; v < NV; v++)
              gz[v] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z[v], zero, _CMP_GT_OQ), g[v]);
            for (int t = 0; t < K; t++) {
              const __m512 xb = _mm512_set1_ps(corner[j->off[t]]);
              for (int v = 0; v < NV; v++) acc[t * 2 + v] = _mm512_fmadd_ps(xb, gz[v], acc[t * 2 + v]);
            }
          }
      }
  for (int t = 0; t < K; t++)
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(dw + (size_t)t * j->oc + 16 * v, m[v], acc[t * 2 + v]);
}

static void crp_fwd_images(void *ctx, int b0, int b1) {
  const crp_job *j = ctx;
  /* 3x3 taps of one channel (the usual first layer) unrolled; any other count generic. */
  if (j->K == 9) {
    if (j->oc <= 16) crp_fwd_nv(1, 9, j, b0, b1);
    else crp_fwd_nv(2, 9, j, b0, b1);
  } else if (j->oc <= 16) crp_fwd_nv(1, j->K, j, b0, b1);
  else crp_fwd_nv(2, j->K, j, b0, b1);
}

static void crp_grad_range(const crp_job *j, int b0, int b1, float *dw) {
  if (j->K == 9) {
    if (j->oc <= 16) crp_grad_nv(1, 9, j, b0, b1, dw);
    else crp_grad_nv(2, 9, j, b0, b1, dw);
  } else if (j->oc <= 16) crp_grad_nv(1, j->K, j, b0, b1, dw);
  else crp_grad_nv(2, j->K, j, b0, b1, dw);
}
#elif defined(TRAIN_AVX2)
/* As the AVX-512 code above, on NV <= 4 vectors of 8 channels; the weights stay in memory (K*NV
 * vectors would not fit 16 registers) and are read as operands. */
static inline __attribute__((always_inline)) void crp_conv_at(const int NV, const int K, const crp_job *j,
                                                              const float *corner, const __m256 *wv,
                                                              __m256 *z) {
  for (int v = 0; v < NV; v++) z[v] = _mm256_setzero_ps();
  for (int t = 0; t < K; t++) {
    const __m256 xb = _mm256_broadcast_ss(corner + j->off[t]);
    for (int v = 0; v < NV; v++) z[v] = _mm256_fmadd_ps(xb, wv[t * 4 + v], z[v]);
  }
}

static inline __attribute__((always_inline)) void crp_load_w(const int NV, const crp_job *j,
                                                             __m256i *m, __m256 *wv) {
  for (int v = 0; v < 4; v++) m[v] = lanes_below(j->oc - 8 * v);
  for (int t = 0; t < j->K; t++)
    for (int v = 0; v < NV; v++) wv[t * 4 + v] = _mm256_maskload_ps(j->w + (size_t)t * j->oc + 8 * v, m[v]);
}

static inline __attribute__((always_inline)) void crp_fwd_nv(const int NV, const int K, const crp_job *j, int b0, int b1) {
  __m256i m[4];
  __m256 wv[CRP_MAX_TAPS * 4];
  crp_load_w(NV, j, m, wv);
  const __m256 scale = _mm256_set1_ps(1.0f / (float)(j->ph * j->pw)), zero = _mm256_setzero_ps();
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        __m256 s[4] = {zero, zero, zero, zero}, z[4];
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            const float *corner =
                j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c;
            crp_conv_at(NV, K, j, corner, wv, z);
            for (int v = 0; v < NV; v++) s[v] = _mm256_add_ps(s[v], _mm256_max_ps(z[v], zero));
          }
        float *o = j->out + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        for (int v = 0; v < NV; v++) _mm256_maskstore_ps(o + 8 * v, m[v], _mm256_mul_ps(s[v], scale));
      }
}

static inline __attribute__((always_inline)) void crp_grad_nv(const int NV, const int K, const crp_job *j, int b0, int b1,
                                                              float *dw) {
  __m256i m[4];
  __m256 wv[CRP_MAX_TAPS * 4], acc[CRP_MAX_TAPS * 4];
  crp_load_w(NV, j, m, wv);
  for (int t = 0; t < K * 4; t++) acc[t] = _mm256_setzero_ps();
  const __m256 scale = _mm256_set1_ps(1.0f / (float)(j->ph * j->pw)), zero = _mm256_setzero_ps();
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        const float *d = j->dy + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        __m256 g[4], z[4];
        for (int v = 0; v < NV; v++) g[v] = _mm256_mul_ps(_mm256_maskload_ps(d + 8 * v, m[v]), scale);
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            const float *corner =
                j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c;
            crp_conv_at(NV, K, j, corner, wv, z);
            __m256 gz[4];
            for (int v = 0; v < NV; v++) gz[v] = _mm256_and_ps(_mm256_cmp_ps(z[v], zero, _CMP_GT_OQ), g[v]);
            for (int t = 0; t < K; t++) {
              const __m256 xb = _mm256_broadcast_ss(corner + j->off[t]);
              for (int v = 0; v < NV; v++) acc[t * 4 + v] = _mm256_fmadd_ps(xb, gz[v], acc[t * 4 + v]);
            }
          }
      }
  for (int t = 0; t < K; t++)
    for (int v = 0; v < NV; v++) _mm256_maskstore_ps(dw + (size_t)t * j->oc + 8 * v, m[v], acc[t * 4 + v]);
}

/* 3x3 taps of one channel (the usual first layer) unrolled; any other count generic. */
#define CRP_DISPATCH(fn, ...)                                          \
  do {                                                                 \
    const int nv = (j->oc + 7) / 8;                                    \
    if (j->K == 9) {                                                   \
      if (nv == 1) fn(1, 9, __VA_ARGS__);                              \
      else if (nv == 2) fn(2, 9, __VA_ARGS__);                         \
      else if (nv == 3) fn(3, 9, __VA_ARGS__);                         \
      else fn(4, 9, __VA_ARGS__);                                      \
    } else if (nv == 1) fn(1, j->K, __VA_ARGS__);                      \
    else if (nv == 2) fn(2, j->K, __VA_ARGS__);                        \
    else if (nv == 3) fn(3, j->K, __VA_ARGS__);                        \
    else fn(4, j->K, __VA_ARGS__);                                     \
  } while (0)

static void crp_fwd_images(void *ctx, int b0, int b1) {
  const crp_job *j = ctx;
  CRP_DISPATCH(crp_fwd_nv, j, b0, b1);
}

static void crp_grad_range(const crp_job *j, int b0, int b1, float *dw) {
  CRP_DISPATCH(crp_grad_nv, j, b0, b1, dw);
}
#else
/* z[o] at one position: the conv's outputs before ReLU. */
static void crp_conv_at(const crp_job *j, const float *corner, float *z) {
  for (int o = 0; o < j->oc; o++) z[o] = 0;
  for (int t = 0; t < j->K; t++) {
    const float xv = corner[j->off[t]];
    const float *wr = j->w + (size_t)t * j->oc;
    for (int o = 0; o < j->oc; o++) z[o] += xv * wr[o];
  }
}

static void crp_fwd_images(void *ctx, int b0, int b1) {
  const crp_job *j = ctx;
  const float scale = 1.0f / (float)(j->ph * j->pw);
  float z[CRP_MAX_OC], s[CRP_MAX_OC];
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        for (int o = 0; o < j->oc; o++) s[o] = 0;
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            crp_conv_at(j, j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c, z);
            for (int o = 0; o < j->oc; o++) s[o] += z[o] > 0 ? z[o] : 0;
          }
        float *out = j->out + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        for (int o = 0; o < j->oc; o++) out[o] = s[o] * scale;
      }
}

static void crp_grad_range(const crp_job *j, int b0, int b1, float *dw) {
  const float scale = 1.0f / (float)(j->ph * j->pw);
  float z[CRP_MAX_OC], g[CRP_MAX_OC];
  for (size_t i = 0; i < (size_t)j->K * j->oc; i++) dw[i] = 0;
  for (int b = b0; b < b1; b++)
    for (int py = 0; py < j->poh; py++)
      for (int px = 0; px < j->pow_; px++) {
        const float *d = j->dy + (((size_t)b * j->poh + py) * j->pow_ + px) * j->oc;
        for (int dy = 0; dy < j->ph; dy++)
          for (int dx = 0; dx < j->pw; dx++) {
            const float *corner =
                j->xp + (((size_t)b * j->H + py * j->ph + dy) * j->W + px * j->pw + dx) * j->c;
            crp_conv_at(j, corner, z);
            for (int o = 0; o < j->oc; o++) g[o] = z[o] > 0 ? d[o] * scale : 0;
            for (int t = 0; t < j->K; t++) {
              const float xv = corner[j->off[t]];
              float *wr = dw + (size_t)t * j->oc;
              for (int o = 0; o < j->oc; o++) wr[o] += xv * g[o];
            }
          }
      }
}
#endif

/* The filter gradient sums CRP_CHUNKS partial dW, each over a fixed share of the images, in
 * chunk order: the result does not depend on the thread count. */
static void crp_grad_chunks(void *ctx, int k0, int k1) {
  const crp_job *j = ctx;
  for (int k = k0; k < k1; k++)
    crp_grad_range(j, (int)((int64_t)j->n * k / CRP_CHUNKS), (int)((int64_t)j->n * (k + 1) / CRP_CHUNKS),
                   j->out + (size_t)k * j->K * j->oc);
}

static buf crp_part_buf;

/* The fused kernels' arguments: (heap, tensor byte offsets..., n, h, w, c, oh, ow, oc, fh, fw,
 * pt, pl, ph, pw), oh x ow being the conv's output (stride 1). Checks them, pads the input and
 * fills the job; on a bad argument throws and returns NULL, else the heap's base. `sizes` gives
 * each tensor's float count from the job (0: x, 1: w, 2: pooled map). */
static uint8_t *crp_args(napi_env env, napi_callback_info info, int tensors, const int *kinds,
                         crp_job *j, size_t *offsets) {
  enum { GEOM = 13, MAXARGS = 1 + 4 + GEOM };
  size_t argc = MAXARGS;
  napi_value argv[MAXARGS];
  const size_t want = 1 + (size_t)tensors + GEOM;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    napi_throw_type_error(env, NULL,
                          "conv+ReLU+pool kernels take (heap, tensor offsets, n, h, w, c, oh, ow, oc, fh, fw, pt, pl, ph, pw)");
    return NULL;
  }
  void *heap = NULL;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &heap, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "conv+ReLU+pool kernels: heap must be an ArrayBuffer");
    return NULL;
  }
  int32_t v[MAXARGS];
  for (size_t i = 1; i < want; i++)
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "conv+ReLU+pool kernels: arguments after the heap are integers");
      return NULL;
    }
  const int32_t *g = v + 1 + tensors;
  const int n = g[0], h = g[1], w = g[2], c = g[3], oh = g[4], ow = g[5], oc = g[6], fh = g[7],
            fw = g[8], pt = g[9], pl = g[10], ph = g[11], pw = g[12];
  if (n < 1 || h < 1 || w < 1 || c < 1 || oc < 1 || oc > CRP_MAX_OC || fh < 1 || fw < 1 ||
      fh * fw * c > CRP_MAX_TAPS || pt < 0 || pl < 0 || pt >= fh || pl >= fw || ph < 1 || pw < 1 ||
      oh < ph || ow < pw || oh > h + fh || ow > w + fw) {
    napi_throw_range_error(env, NULL, "conv+ReLU+pool kernels: unsupported geometry");
    return NULL;
  }
  const size_t counts[3] = {(size_t)n * h * w * c, (size_t)fh * fw * c * oc,
                            (size_t)n * (oh / ph) * (ow / pw) * oc};
  for (int t = 0; t < tensors; t++) {
    offsets[t] = (size_t)(uint32_t)v[1 + t];
    if (offsets[t] % 4 != 0 || offsets[t] + counts[kinds[t]] * 4 > bytes) {
      napi_throw_range_error(env, NULL, "conv+ReLU+pool kernels: operand outside the heap");
      return NULL;
    }
  }
  const int H = padded(h, oh, fh, 1, pt), W = padded(w, ow, fw, 1, pl);
  float *xp = need(&pad_buf, (size_t)n * H * W * c + 16);
  if (!xp) {
    napi_throw_error(env, NULL, "conv+ReLU+pool kernels: out of memory");
    return NULL;
  }
  uint8_t *base = heap;
  pad_copy((const float *)(base + offsets[0]), n, h, w, c, xp, H, W, pt, pl, 1, 1);
  *j = (crp_job){.xp = xp, .H = H, .W = W, .c = c, .fh = fh, .fw = fw, .oc = oc, .ph = ph, .pw = pw,
                 .poh = oh / ph, .pow_ = ow / pw, .n = n, .K = fh * fw * c};
  crp_offsets(j);
  return base;
}

static napi_value n_crp_forward(napi_env env, napi_callback_info info) {
  static const int kinds[3] = {0, 1, 2}; /* x, w, out */
  crp_job j;
  size_t off[3];
  uint8_t *base = crp_args(env, info, 3, kinds, &j, off);
  if (!base) return NULL;
  j.w = (const float *)(base + off[1]);
  j.out = (float *)(base + off[2]);
  parallel(crp_fwd_images, &j, j.n);
  return NULL;
}

static napi_value n_crp_filter_grad(napi_env env, napi_callback_info info) {
  static const int kinds[4] = {0, 1, 2, 1}; /* x, w, dy (pooled), dw */
  crp_job j;
  size_t off[4];
  uint8_t *base = crp_args(env, info, 4, kinds, &j, off);
  if (!base) return NULL;
  const size_t per = (size_t)j.K * j.oc;
  float *parts = need(&crp_part_buf, CRP_CHUNKS * per);
  if (!parts) {
    napi_throw_error(env, NULL, "conv+ReLU+pool kernels: out of memory");
    return NULL;
  }
  j.w = (const float *)(base + off[1]);
  j.dy = (const float *)(base + off[2]);
  j.out = parts;
  parallel(crp_grad_chunks, &j, CRP_CHUNKS);
  float *dw = (float *)(base + off[3]);
  for (size_t i = 0; i < per; i++) {
    float s = 0;
    for (int k = 0; k < CRP_CHUNKS; k++) s += parts[(size_t)k * per + i];
    dw[i] = s;
  }
  return NULL;
}

/* ---------- N-API ---------- */

#define NARGS 19 /* heap, a, b, out, n, h, w, c, oh, ow, fh, fw, sh, sw, dilH, dilW, pt, pl, oc */

typedef void (*conv_fn)(const float *, const float *, float *, const geom *);

static napi_value call_conv(napi_env env, napi_callback_info info, conv_fn fn) {
  size_t argc = NARGS;
  napi_value argv[NARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != NARGS) {
    napi_throw_type_error(env, NULL, "conv kernels take (heap, a, b, out, 14 geometry values, outC)");
    return NULL;
  }
  void *heap = NULL;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &heap, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "conv kernels: heap must be an ArrayBuffer");
    return NULL;
  }
  int32_t v[NARGS];
  for (int i = 1; i < NARGS; i++)
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "conv kernels: arguments after the heap are integers");
      return NULL;
    }
  const geom g = {v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[16], v[17], v[18]};
  if (v[14] != 1 || v[15] != 1 || g.sh < 1 || g.sw < 1 || g.n < 0 || g.h < 1 || g.w < 1 ||
      g.c < 1 || g.oh < 1 || g.ow < 1 || g.fh < 1 || g.fw < 1 || g.oc < 1 || g.pt < 0 ||
      g.pl < 0 || g.pt >= g.fh || g.pl >= g.fw) {
    napi_throw_range_error(env, NULL, "conv kernels: unsupported geometry (dilation 1 only)");
    return NULL;
  }
  /* Every operand must lie inside the heap. */
  const size_t a = (size_t)(uint32_t)v[1], b = (size_t)(uint32_t)v[2], o = (size_t)(uint32_t)v[3];
  if (a + 4 > bytes || b + 4 > bytes || o + 4 > bytes) {
    napi_throw_range_error(env, NULL, "conv kernels: operand outside the heap");
    return NULL;
  }
  uint8_t *base = heap;
  fn((const float *)(base + a), (const float *)(base + b), (float *)(base + o), &g);
  return NULL;
}

static napi_value n_forward(napi_env env, napi_callback_info info) {
  return call_conv(env, info, conv_forward);
}
static napi_value n_input_grad(napi_env env, napi_callback_info info) {
  return call_conv(env, info, conv_input_grad);
}
static napi_value n_filter_grad(napi_env env, napi_callback_info info) {
  return call_conv(env, info, conv_filter_grad);
}

static napi_value n_train_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1) {
    int32_t t = 1;
    if (napi_get_value_int32(env, argv[0], &t) != napi_ok || t < 1 || t > MAX_THREADS) {
      napi_throw_range_error(env, NULL, "trainThreads: 1 to 8");
      return NULL;
    }
    n_threads = t;
  }
  napi_value r;
  napi_create_int32(env, n_threads, &r);
  return r;
}

napi_status train_register(napi_env env, napi_value exports) {
  const char *env_threads = getenv("EARSHOT_TRAIN_THREADS");
  if (env_threads) {
    const int t = atoi(env_threads);
    if (t >= 1 && t <= MAX_THREADS) n_threads = t;
  }
  napi_property_descriptor props[] = {
      {"convForward", NULL, n_forward, NULL, NULL, NULL, napi_default, NULL},
      {"convInputGrad", NULL, n_input_grad, NULL, NULL, NULL, napi_default, NULL},
      {"convFilterGrad", NULL, n_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"convReluPool", NULL, n_crp_forward, NULL, NULL, NULL, napi_default, NULL},
      {"convReluPoolFilterGrad", NULL, n_crp_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"trainThreads", NULL, n_train_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
