/* earshot front end in C (contract: frontend.h). */
#include "frontend.h"

#include <math.h>

static double pow2i(int k) {
  double r = 1;
  if (k >= 0)
    for (int i = 0; i < k; i++) r = r * 2;
  else
    for (int i = 0; i > k; i--) r = r * 0.5;
  return r;
}

double es_detlog(double x) {
  /* Constants exactly as shared/portable/detmath.ts builds them. */
  const double LN2_HI = 2977044471.0 * pow2i(-32);
  const double LN2_LO = 7382048951581814.0 * pow2i(-85);
  const double SQRT2 = sqrt(2.0);
  const double TWO_32 = pow2i(32), TWO_M32 = pow2i(-32);
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

/* RealFft.powerSpectrum of frame[0 .. 2 half) into power[0 .. half]. */
static void power_spectrum(es_frontend *f) {
  const int32_t m = f->half;
  double *re = f->re, *im = f->im;
  for (int32_t j = 0; j < m; j++) {
    const int32_t r = f->rev[j];
    re[r] = f->frame[2 * j];
    im[r] = f->frame[2 * j + 1];
  }
  for (int32_t len = 2; len <= m; len *= 2) {
    const int32_t h = len / 2, step = m / len;
    for (int32_t j = 0; j < h; j++) {
      const double wr = f->cosM[j * step];
      const double wi = -f->sinM[j * step];
      for (int32_t a = j; a < m; a += len) {
        const int32_t b = a + h;
        const double tr = wr * re[b] - wi * im[b];
        const double ti = wr * im[b] + wi * re[b];
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] = re[a] + tr;
        im[a] = im[a] + ti;
      }
    }
  }
  for (int32_t k = 0; k <= m; k++) {
    const int32_t a = k == m ? 0 : k;
    const int32_t b = k == 0 ? 0 : m - k;
    const double ar = re[a], ai = im[a], br = re[b], bi = -im[b];
    const double er = (ar + br) * 0.5;
    const double ei = (ai + bi) * 0.5;
    const double or_ = (ai - bi) * 0.5;
    const double oi = (br - ar) * 0.5;
    const double c = f->cosN[k], s = f->sinN[k];
    const double xr = er + c * or_ + s * oi;
    const double xi = ei + c * oi - s * or_;
    f->power[k] = xr * xr + xi * xi;
  }
}

void es_frontend_frame(es_frontend *f, const double *src, double *out) {
  const int32_t w = f->win;
  for (int32_t i = 0; i < w; i++) f->frame[i] = src[i] * f->window[i];
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
  const int32_t nm = f->nMels;
  for (int32_t j = 0; j < c; j++) {
    double acc = 0;
    const int32_t row = j * nm;
    for (int32_t i = 0; i < nm; i++) acc += f->dct[row + i] * f->melLog[i];
    out[j] = acc;
  }
}
