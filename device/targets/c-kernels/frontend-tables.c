/* The front end's tables built in C from its configuration (contract: frontend.h
 * es_frontend_build), bit for bit what shared/features/frontend.ts, fft.ts and mel.ts build
 * with shared/portable/detmath.ts: a device host then needs only the configuration from the
 * runtime, and the device bundle carries neither the table code nor the JS copies of the tables.
 * Every function below repeats its TS twin's operations in the same order (compile with
 * -ffp-contract=off); constants are the TS ones (integers times powers of two, divisions the
 * compiler folds with correct rounding). sqrt is the C library's: IEEE 754 makes it correctly
 * rounded, as detmath's sqrt is. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

/* detmath.ts sinKernel / cosKernel: sin, cos of |t| <= pi/4. */
static double sin_kernel(double t) {
  const double S3 = -1.0 / 6, S5 = S3 / -20, S7 = S5 / -42, S9 = S7 / -72, S11 = S9 / -110,
               S13 = S11 / -156, S15 = S13 / -210, S17 = S15 / -272;
  const double t2 = t * t;
  const double p =
      S3 + t2 * (S5 + t2 * (S7 + t2 * (S9 + t2 * (S11 + t2 * (S13 + t2 * (S15 + t2 * S17))))));
  return t + t * t2 * p;
}

static double cos_kernel(double t) {
  const double C2 = -1.0 / 2, C4 = C2 / -12, C6 = C4 / -30, C8 = C6 / -56, C10 = C8 / -90,
               C12 = C10 / -132, C14 = C12 / -182, C16 = C14 / -240, C18 = C16 / -306;
  const double t2 = t * t;
  const double p =
      C4 + t2 * (C6 + t2 * (C8 + t2 * (C10 + t2 * (C12 + t2 * (C14 + t2 * (C16 + t2 * C18))))));
  return 1 + t2 * (C2 + t2 * p);
}

/* detmath.ts quadrant: sin (want_sin) or cos of q pi/2 + t. */
static double quadrant(double q, double t, int want_sin) {
  const double m = q - 4 * floor(q / 4);
  const double n = want_sin ? m : m + 1;
  const double r = n - 4 * floor(n / 4);
  if (r == 0) return sin_kernel(t);
  if (r == 1) return cos_kernel(t);
  if (r == 2) return 0 - sin_kernel(t);
  return 0 - cos_kernel(t);
}

/* detmath.ts cospi / sinpi (finite x). */
static double trig_pi(double x, int want_sin) {
  const double PI = 7074237752028440.0 / 2251799813685248.0; /* 2^51 */
  const double y = x - 2 * floor(x / 2);
  const double q = floor(y * 2 + 0.5);
  const double r = y - q / 2;
  return quadrant(q, r * PI, want_sin);
}

/* detmath.ts exp (arguments here are small: the mel scale's). */
static double det_exp(double x) {
  const double EXP_MAX = 6243314768165359.0 / 8796093022208.0; /* 2^43 */
  const double EXP_MIN = -6554848520149402.0 / 8796093022208.0;
  const double INV_LN2 = 6497320848556798.0 / 4503599627370496.0; /* 2^52 */
  const double LN2_HI = 2977044471.0 / 4294967296.0;
  const double LN2_LO = 7382048951581814.0 / 38685626227668133590597632.0; /* 2^85 */
  if (x != x) return NAN;
  if (x > EXP_MAX) return INFINITY;
  if (x < EXP_MIN) return 0;
  const double k = floor(x * INV_LN2 + 0.5);
  const double r = x - k * LN2_HI - k * LN2_LO;
  double p = 1;
  for (int n = 14; n >= 1; n--) p = 1 + (r * p) / n;
  double v = p;
  for (double kk = k; kk > 0; kk -= 1) v = v * 2;
  for (double kk = k; kk < 0; kk += 1) v = v * 0.5;
  return v;
}

/* mel.ts hzToMel / melToHz / melWeight. */
static double hz_to_mel(double f) { return 1127 * es_detlog(1 + f / 700); }

static double mel_to_hz(double m) { return 700 * (det_exp(m / 1127) - 1); }

static double mel_weight(const double *edges, int32_t m, double f) {
  const double lower = (f - edges[m]) / (edges[m + 1] - edges[m]);
  const double upper = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
  const double w = lower < upper ? lower : upper;
  return w > 0 ? w : 0;
}

/* mel.ts buildMelFilterbank into f->melStart/Count/Offset/W; 0 when out of memory. */
static int build_mel(es_frontend *f, const es_frontend_config *c) {
  const int32_t nm = c->nMels, bins = c->fftSize / 2 + 1;
  double *edges = malloc((size_t)(nm + 2) * sizeof(double));
  f->melStart = calloc((size_t)nm, sizeof(int32_t));
  f->melCount = calloc((size_t)nm, sizeof(int32_t));
  f->melOffset = calloc((size_t)nm, sizeof(int32_t));
  if (!edges || !f->melStart || !f->melCount || !f->melOffset) {
    free(edges);
    return 0;
  }
  const double lo = hz_to_mel(c->fMin), hi = hz_to_mel(c->fMax);
  for (int32_t i = 0; i < nm + 2; i++)
    edges[i] = mel_to_hz(lo + ((double)i * (hi - lo)) / (nm + 1));
  edges[0] = c->fMin;
  edges[nm + 1] = c->fMax;
  int32_t total = 0;
  for (int32_t m = 0; m < nm; m++) {
    int32_t first = -1, last = -1;
    for (int32_t k = 0; k < bins; k++)
      if (mel_weight(edges, m, ((double)k * c->sampleRate) / c->fftSize) > 0) {
        if (first < 0) first = k;
        last = k;
      }
    f->melStart[m] = first < 0 ? 0 : first;
    f->melCount[m] = first < 0 ? 0 : last - first + 1;
    f->melOffset[m] = total;
    total += f->melCount[m];
  }
  f->melW = malloc((size_t)(total > 0 ? total : 1) * sizeof(double));
  if (f->melW)
    for (int32_t m = 0; m < nm; m++)
      for (int32_t j = 0; j < f->melCount[m]; j++)
        f->melW[f->melOffset[m] + j] =
            mel_weight(edges, m, ((double)(f->melStart[m] + j) * c->sampleRate) / c->fftSize);
  free(edges);
  return f->melW != NULL;
}

static int power_of_two(int32_t n) { return n > 0 && (n & (n - 1)) == 0; }

const char *es_frontend_tables(es_frontend *f, const es_frontend_config *c) {
  /* What the loops and tables need (the runtime validated the rest of the configuration). */
  if (!(c->sampleRate >= 1 && c->sampleRate <= 192000 && power_of_two(c->fftSize) &&
        c->fftSize >= 4 && c->fftSize <= 65536 && c->win >= 1 && c->win <= c->fftSize &&
        c->hop >= 1 && c->hop <= c->win && c->nMels >= 1 && c->nMels <= 512 && c->coeffs >= 1 &&
        c->coeffs <= c->nMels && (!c->lfbe || c->coeffs == c->nMels) && c->fMin >= 0 &&
        c->fMin < c->fMax && c->fMax <= c->sampleRate / 2.0 && c->logFloor > 0 &&
        c->logFloor < INFINITY))
    return "frontEndInit: bad config";
  const int32_t size = c->fftSize, m = size / 2, w = c->win, nm = c->nMels;
  memset(f, 0, sizeof *f);
  f->win = w;
  f->hop = c->hop;
  f->half = m;
  f->nMels = nm;
  f->coeffs = c->coeffs;
  f->lfbe = c->lfbe;
  f->logFloor = c->logFloor;
  /* frontend.ts: periodic Hann window */
  f->window = malloc((size_t)w * sizeof(double));
  /* fft.ts RealFft: bit reversal, complex and recombination twiddles */
  f->rev = malloc((size_t)m * sizeof(int32_t));
  f->cosM = malloc((size_t)(m / 2) * sizeof(double));
  f->sinM = malloc((size_t)(m / 2) * sizeof(double));
  f->cosN = malloc((size_t)(m + 1) * sizeof(double));
  f->sinN = malloc((size_t)(m + 1) * sizeof(double));
  f->dct = malloc((size_t)(c->lfbe ? 1 : c->coeffs * nm) * sizeof(double));
  f->frame = calloc((size_t)size, sizeof(double));
  f->re = calloc((size_t)m, sizeof(double));
  f->im = calloc((size_t)m, sizeof(double));
  f->power = calloc((size_t)m + 1, sizeof(double));
  f->melLog = calloc((size_t)nm, sizeof(double));
  if (!f->window || !f->rev || !f->cosM || !f->sinM || !f->cosN || !f->sinN || !f->dct ||
      !f->frame || !f->re || !f->im || !f->power || !f->melLog || !build_mel(f, c))
    return "out of memory";
  for (int32_t i = 0; i < w; i++) f->window[i] = 0.5 - 0.5 * trig_pi((2.0 * i) / w, 0);
  int32_t bits = 0;
  while ((1 << (bits + 1)) < size) bits++; /* bits of m = size / 2 */
  for (int32_t j = 0; j < m; j++) {
    int32_t r = 0, v = j;
    for (int32_t b = 0; b < bits; b++) {
      r = r * 2 + v % 2;
      v = v / 2;
    }
    f->rev[j] = r;
  }
  for (int32_t j = 0; j < m / 2; j++) {
    f->cosM[j] = trig_pi((2.0 * j) / m, 0);
    f->sinM[j] = trig_pi((2.0 * j) / m, 1);
  }
  for (int32_t k = 0; k <= m; k++) {
    f->cosN[k] = trig_pi((2.0 * k) / size, 0);
    f->sinN[k] = trig_pi((2.0 * k) / size, 1);
  }
  /* frontend.ts: orthonormal DCT-II rows */
  if (!c->lfbe)
    for (int32_t j = 0; j < c->coeffs; j++) {
      const double s = j == 0 ? sqrt(1.0 / nm) : sqrt(2.0 / nm);
      for (int32_t i = 0; i < nm; i++)
        f->dct[j * nm + i] = s * trig_pi(((double)j * (2 * i + 1)) / (2 * nm), 0);
    }
  return NULL;
}

const char *es_frontend_build(es_frontend *f, const es_frontend_config *c) {
  const char *problem = es_frontend_tables(f, c);
  if (problem != NULL) return problem;
  if (!es_frontend_prepare(f)) return "out of memory";
  /* The frames read the derived tables only (stage twiddles, transposed DCT): on a device the
   * sources are RAM for nothing (the DCT alone is coeffs x nMels doubles, 12.8 KB at 40 x 40). */
  free(f->cosM);
  free(f->sinM);
  free(f->dct);
  f->cosM = f->sinM = f->dct = NULL;
  return NULL;
}
