/*
 * earshot front end in C: one frame of shared/features/frontend.ts FrontEnd.computeFrame, bit
 * for bit. Every table (window, FFT twiddles and bit reversal, mel filterbank, DCT) is built
 * once: from the configuration by es_frontend_build (the device hosts), or by the portable TS and
 * copied in (the host's Node addon, whose trainer warps the mel filterbank); the per-frame arithmetic repeats the TS
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
  /* The model's input normalization for es_frontend_take_frame (es_frontend_set_norm): each
   * coefficient c becomes (x - normMean[c]) / normStd[c], the TS normalizeFrames' operations;
   * NULL: frames as computed. */
  double *normMean, *normStd;
} es_frontend;

/* The configuration es_frontend_build derives the tables from: shared/features FrontEndConfig
 * (kind lfbe: lfbe = 1) with the FrontEnd's window, hop and coefficient counts. */
typedef struct {
  int32_t sampleRate, fftSize, nMels, win, hop, coeffs, lfbe;
  double fMin, fMax, logFloor;
} es_frontend_config;

/* Builds every table and buffer of f (zeroed first) from c, bit for bit as the TS FrontEnd builds
 * them (frontend-tables.c), then es_frontend_prepare, then frees the tables only prepare reads
 * (cosM, sinM, dct: NULL after). Returns NULL, or what is wrong: "frontEndInit: bad config" for a
 * configuration the loops cannot take, "out of memory". */
const char *es_frontend_build(es_frontend *f, const es_frontend_config *c);

/* The tables and buffers alone (es_frontend_build without prepare; every table kept). */
const char *es_frontend_tables(es_frontend *f, const es_frontend_config *c);

/* After a host has filled the tables and buffers above: derives the rest (allocates; returns 0
 * when out of memory). es_frontend_frame needs it. */
int es_frontend_prepare(es_frontend *f);

/* Features of src[0 .. win) into out[0 .. coeffs). */
void es_frontend_frame(es_frontend *f, const double *src, double *out);

/* Appends up to n samples of src to the window; returns how many it took: it stops once the
 * window is full (fill == win), when a frame is due. */
int32_t es_frontend_append(es_frontend *f, const double *src, int32_t n);

/* With the window full: its features into out[0 .. coeffs), normalized when es_frontend_set_norm
 * set a normalization, then the window slides by a hop. */
void es_frontend_take_frame(es_frontend *f, double *out);
/* Copies mean[0 .. coeffs) and std[0 .. coeffs) as the normalization es_frontend_take_frame
 * applies (both NULL: none). Returns 0 when out of memory (then none is set). */
int es_frontend_set_norm(es_frontend *f, const double *mean, const double *std);

/* detmath.log: deterministic natural log. */
double es_detlog(double x);

#endif
