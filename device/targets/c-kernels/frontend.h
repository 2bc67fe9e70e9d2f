/*
 * earshot front end in C: one frame of shared/features/frontend.ts FrontEnd.computeFrame, bit
 * for bit. Every table (window, FFT twiddles and bit reversal, mel filterbank, DCT) is computed
 * once by the portable TS and copied in at init; the per-frame arithmetic repeats the TS
 * operations in the same order (compile with -ffp-contract=off), and the log is detmath.log.
 */
#ifndef EARSHOT_FRONTEND_H
#define EARSHOT_FRONTEND_H
#include <stdint.h>

typedef struct {
  int32_t win, half, nMels, coeffs, lfbe;
  double logFloor;
  double *window, *cosM, *sinM, *cosN, *sinN, *melW, *dct;
  int32_t *rev, *melStart, *melCount, *melOffset;
  double *frame, *re, *im, *power, *melLog;
} es_frontend;

/* Features of src[0 .. win) into out[0 .. coeffs). */
void es_frontend_frame(es_frontend *f, const double *src, double *out);

/* detmath.log: deterministic natural log. */
double es_detlog(double x);

#endif
