/*
 * earshot front end in C: one frame of shared/features/frontend.ts FrontEnd.computeFrame, bit
 * for bit. Every table (window, FFT twiddles and bit reversal, mel filterbank, DCT) is computed
 * once by the portable TS and copied in at init; the per-frame arithmetic repeats the TS
 * operations (compile with -ffp-contract=off), and the log is detmath.log. Each value is computed
 * by the same operations on the same operands as in the TS; only independent computations are
 * reordered (the butterflies of one FFT stage, the DCT's coefficients) so the compiler can
 * vectorize them, and products by the exact twiddles 1 and -i are skipped (they change at most
 * the sign of a zero, which the power spectrum squares away).
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
  /* Derived by es_frontend_prepare: each FFT stage's twiddles contiguous (the stage with h
   * butterflies per group at [h - 1, 2h - 1)), the DCT transposed (nMels x coeffs), and whether
   * the first two stages' twiddles are exactly 1 and -i (then they run without products). */
  double *stageCos, *stageSin, *dctT;
  int32_t exactQuarter;
  /* The front end's own sample window for streaming (es_frontend_append): the host sets `hop`
   * (samples between frames, 1..win) before es_frontend_prepare, which allocates `samples`
   * (win values); `fill` counts the samples in it. */
  int32_t hop, fill;
  double *samples;
} es_frontend;

/* After a host has filled the tables and buffers above: derives the rest (allocates; returns 0
 * when out of memory). es_frontend_frame needs it. */
int es_frontend_prepare(es_frontend *f);

/* Features of src[0 .. win) into out[0 .. coeffs). */
void es_frontend_frame(es_frontend *f, const double *src, double *out);

/* Appends up to n samples of src to the window; returns how many it took: it stops once the
 * window is full (fill == win), when a frame is due. */
int32_t es_frontend_append(es_frontend *f, const double *src, int32_t n);

/* With the window full: its features into out[0 .. coeffs), then the window slides by a hop. */
void es_frontend_take_frame(es_frontend *f, double *out);

/* detmath.log: deterministic natural log. */
double es_detlog(double x);

#endif
