/* earshot front end in C (contract: frontend.h). */
#include "frontend.h"

#include <math.h>
#include <stdlib.h>

double es_detlog(double x) {
  /* Constants exactly as shared/portable/detmath.ts builds them (its pow2 products are exact
   * scalings, as these divisions by powers of two are; the compiler folds them). */
  const double LN2_HI = 2977044471.0 / 4294967296.0;
  const double LN2_LO = 7382048951581814.0 / 38685626227668133590597632.0; /* 2^85 */
  const double SQRT2 = sqrt(2.0);
  const double TWO_32 = 4294967296.0, TWO_M32 = 1.0 / 4294967296.0;
  const double L3 = 1.0 / 3, L5 = 1.0 / 5, L7 = 1.0 / 7, L9 = 1.0 / 9, L11 = 1.0 / 11,
               L13 = 1.0 / 13, L15 = 1.0 / 15, L17 = 1.0 / 17, L19 = 1.0 / 19;
  if (x != x || x < 0) return NAN;
  if (x == 0) return -INFINITY;
  if (x == INFINITY) return INFINITY;
  double m = x;
  int e = 0;
  while (m >= TWO_32) {
    m = m * TWO_M32;
    e += 32;
  }
  while (m < TWO_M32) {
    m = m * TWO_32;
    e -= 32;
  }
  while (m >= 16) {
    m = m * 0.0625;
    e += 4;
  }
  while (m < 0.0625) {
    m = m * 16;
    e -= 4;
  }
  while (m >= SQRT2) {
    m = m * 0.5;
    e += 1;
  }
  while (m * SQRT2 < 1) {
    m = m * 2;
    e -= 1;
  }
  const double s = (m - 1) / (m + 1);
  const double z = s * s;
  const double p = L3 + z * (L5 + z * (L7 + z * (L9 + z * (L11 + z * (L13 + z * (L15 + z * (L17 + z * L19)))))));
  const double logm = 2 * s + 2 * s * z * p;
  return e * LN2_HI + (e * LN2_LO + logm);
}

int es_frontend_prepare(es_frontend *f) {
  const int32_t m = f->half, c = f->coeffs, nm = f->nMels;
  free(f->stageCos);
  free(f->stageSin);
  free(f->dctT);
  free(f->samples);
  f->stageCos = malloc((size_t)(m > 1 ? m - 1 : 1) * sizeof(double));
  f->stageSin = malloc((size_t)(m > 1 ? m - 1 : 1) * sizeof(double));
  f->dctT = malloc((size_t)(f->lfbe ? 1 : c * nm) * sizeof(double));
  f->samples = malloc((size_t)f->win * sizeof(double));
  f->fill = 0;
  if (!f->stageCos || !f->stageSin || !f->dctT || !f->samples) return 0;
  /* Stage with h butterflies per group: w_j = e^{-2 pi i j / 2h} = cosM[j m / 2h] - i sinM[..]. */
  for (int32_t h = 1; h < m; h *= 2)
    for (int32_t j = 0; j < h; j++) {
      f->stageCos[h - 1 + j] = f->cosM[j * (m / (2 * h))];
      f->stageSin[h - 1 + j] = -f->sinM[j * (m / (2 * h))];
    }
  f->exactQuarter = m >= 4 && f->cosM[0] == 1 && f->sinM[0] == 0 && f->cosM[m / 4] == 0 &&
                    f->sinM[m / 4] == 1;
  if (!f->lfbe)
    for (int32_t j = 0; j < c; j++)
      for (int32_t i = 0; i < nm; i++) f->dctT[i * c + j] = f->dct[j * nm + i];
  return 1;
}

/* One group of a radix-2 stage: points a = ra/ia[j] and b = rb/ib[j] with twiddle w_j, j < h.
 * The butterflies of a group are independent (distinct points), so the compiler may run them
 * two at a time; each is the TS butterfly's operations on its operands. */
static void butterflies(double *restrict ra, double *restrict ia, double *restrict rb,
                        double *restrict ib, const double *restrict wr, const double *restrict wi,
                        int32_t h) {
  for (int32_t j = 0; j < h; j++) {
    const double tr = wr[j] * rb[j] - wi[j] * ib[j];
    const double ti = wr[j] * ib[j] + wi[j] * rb[j];
    rb[j] = ra[j] - tr;
    ib[j] = ia[j] - ti;
    ra[j] = ra[j] + tr;
    ia[j] = ia[j] + ti;
  }
}

/* The real spectrum's bins from the complex FFT Z: power[k] = |X[k]|^2 for the n bins k whose
 * Z[k] is (ar[k], ai[k]) and Z[M-k] is (br[-k], bi[-k]); cn/sn: cos/sin(2 pi k / N). */
static void recombine(const double *restrict ar_, const double *restrict ai_,
                      const double *restrict br_, const double *restrict bi_,
                      const double *restrict cn, const double *restrict sn,
                      double *restrict power, int32_t n) {
  for (int32_t k = 0; k < n; k++) {
    const double ar = ar_[k], ai = ai_[k], br = br_[-k], bi = -bi_[-k];
    const double er = (ar + br) * 0.5;
    const double ei = (ai + bi) * 0.5;
    const double or_ = (ai - bi) * 0.5;
    const double oi = (br - ar) * 0.5;
    const double c = cn[k], s = sn[k];
    const double xr = er + c * or_ + s * oi;
    const double xi = ei + c * oi - s * or_;
    power[k] = xr * xr + xi * xi;
  }
}

/* RealFft.powerSpectrum of frame[0 .. 2 half) into power[0 .. half]. */
static void power_spectrum(es_frontend *f) {
  const int32_t m = f->half;
  double *restrict re = f->re, *restrict im = f->im;
  const double *restrict frame = f->frame;
  for (int32_t j = 0; j < m; j++) {
    const int32_t r = f->rev[j];
    re[r] = frame[2 * j];
    im[r] = frame[2 * j + 1];
  }
  int32_t h = 1;
  if (f->exactQuarter) {
    /* Stages h = 1 and 2 at once: their twiddles are 1 and -i (exact), so each butterfly is
     * its sums and differences; a product by 1, or one by 0 added, changes at most a zero's sign. */
    for (int32_t a = 0; a < m; a += 4) {
      double r0 = re[a], i0 = im[a], r1 = re[a + 1], i1 = im[a + 1];
      double r2 = re[a + 2], i2 = im[a + 2], r3 = re[a + 3], i3 = im[a + 3];
      /* h = 1, w = 1: (a, a+1), (a+2, a+3) */
      const double s0 = r0 + r1, t0 = i0 + i1, s1 = r0 - r1, t1 = i0 - i1;
      const double s2 = r2 + r3, t2 = i2 + i3, s3 = r2 - r3, t3 = i2 - i3;
      /* h = 2: (a, a+2) with w = 1, (a+1, a+3) with w = -i: t = (im, -re) of the b point */
      re[a] = s0 + s2;
      im[a] = t0 + t2;
      re[a + 2] = s0 - s2;
      im[a + 2] = t0 - t2;
      re[a + 1] = s1 + t3;
      im[a + 1] = t1 - s3;
      re[a + 3] = s1 - t3;
      im[a + 3] = t1 + s3;
    }
    h = 4;
  }
  for (; h < m; h *= 2)
    for (int32_t a0 = 0; a0 < m; a0 += 2 * h)
      butterflies(re + a0, im + a0, re + a0 + h, im + a0 + h, f->stageCos + h - 1,
                  f->stageSin + h - 1, h);
  /* Bins 0 and m pair Z[0] with itself; bins 1 .. m-1 pair Z[k] with Z[m-k]. */
  recombine(re, im, re, im, f->cosN, f->sinN, f->power, 1);
  recombine(re, im, re, im, f->cosN + m, f->sinN + m, f->power + m, 1);
  recombine(re + 1, im + 1, re + m - 1, im + m - 1, f->cosN + 1, f->sinN + 1, f->power + 1, m - 1);
}

/* out[j] = sum over i of dct[j][i] * melLog[i], each sum in the TS order (acc = 0, then i
 * ascending); dctT is the table transposed, so eight coefficients advance side by side, their
 * sums in registers. */
static void dct(const double *restrict dctT, const double *restrict melLog, int32_t nm,
                int32_t c, double *restrict out) {
  int32_t j = 0;
  for (; j + 8 <= c; j += 8) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    const double *restrict col = dctT + j;
    for (int32_t i = 0; i < nm; i++) {
      const double v = melLog[i];
      const double *restrict row = col + (size_t)i * c;
      a0 += row[0] * v;
      a1 += row[1] * v;
      a2 += row[2] * v;
      a3 += row[3] * v;
      a4 += row[4] * v;
      a5 += row[5] * v;
      a6 += row[6] * v;
      a7 += row[7] * v;
    }
    out[j] = a0;
    out[j + 1] = a1;
    out[j + 2] = a2;
    out[j + 3] = a3;
    out[j + 4] = a4;
    out[j + 5] = a5;
    out[j + 6] = a6;
    out[j + 7] = a7;
  }
  for (; j < c; j++) {
    double a = 0;
    for (int32_t i = 0; i < nm; i++) a += dctT[(size_t)i * c + j] * melLog[i];
    out[j] = a;
  }
}

void es_frontend_frame(es_frontend *f, const double *src, double *out) {
  const int32_t w = f->win;
  double *restrict frame = f->frame;
  const double *restrict window = f->window, *restrict samples = src;
  for (int32_t i = 0; i < w; i++) frame[i] = samples[i] * window[i];
  /* the rest of the FFT frame stays zero (set at init, never written) */
  power_spectrum(f);
  for (int32_t m = 0; m < f->nMels; m++) {
    const int32_t start = f->melStart[m];
    const int32_t off = f->melOffset[m] - start;
    const int32_t end = start + f->melCount[m];
    double e = 0;
    for (int32_t k = start; k < end; k++) e += f->melW[off + k] * f->power[k];
    f->melLog[m] = es_detlog(e > f->logFloor ? e : f->logFloor);
  }
  const int32_t c = f->coeffs;
  if (f->lfbe) {
    for (int32_t j = 0; j < c; j++) out[j] = f->melLog[j];
    return;
  }
  /* Each coefficient's sum in the TS order (i ascending from 0), all coefficients side by side. */
  dct(f->dctT, f->melLog, f->nMels, c, out);
}

int32_t es_frontend_append(es_frontend *f, const double *src, int32_t n) {
  const int32_t room = f->win - f->fill, take = n < room ? n : room;
  for (int32_t i = 0; i < take; i++) f->samples[f->fill + i] = src[i];
  f->fill += take;
  return take;
}

int es_frontend_set_norm(es_frontend *f, const double *mean, const double *std) {
  free(f->normMean);
  free(f->normStd);
  f->normMean = f->normStd = NULL;
  if (!mean || !std) return 1;
  const size_t bytes = (size_t)(f->coeffs > 0 ? f->coeffs : 1) * sizeof(double);
  double *m = malloc(bytes), *s = malloc(bytes);
  if (!m || !s) {
    free(m);
    free(s);
    return 0;
  }
  for (int32_t c = 0; c < f->coeffs; c++) {
    m[c] = mean[c];
    s[c] = std[c];
  }
  f->normMean = m;
  f->normStd = s;
  return 1;
}

void es_frontend_take_frame(es_frontend *f, double *out) {
  es_frontend_frame(f, f->samples, out);
  if (f->normMean)
    for (int32_t c = 0; c < f->coeffs; c++) out[c] = (out[c] - f->normMean[c]) / f->normStd[c];
  const int32_t keep = f->win - f->hop;
  for (int32_t i = 0; i < keep; i++) f->samples[i] = f->samples[f->hop + i];
  f->fill = keep;
}
