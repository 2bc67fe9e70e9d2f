/*
 * fft.js (indutny's radix-4 FFT, the host's TS FFT) transcribed operation for operation, for
 * the native addon's augmentation stages (vtlp.c, convolve.c): given the same plan tables
 * (passed in from the TS's FFT object), the same doubles bit for bit.
 */
#ifndef EARSHOT_NATIVE_FFTJS_H
#define EARSHOT_NATIVE_FFTJS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const double *table; /* fft.js `table`: cos, -sin pairs (2 x size) */
  const int32_t *bitrev;
  int32_t width, csize; /* fft.js `_width`, and 2 x size */
} fftjs_plan;

/* FFT.prototype.realTransform: out (2 size) from real data (size); fills bins 0..size/2. */
void fftjs_real_transform(const fftjs_plan *p, double *out, const double *data);

/* FFT.prototype.transform (inverse 0) or inverseTransform (inverse 1), 2 x size values. */
void fftjs_transform(const fftjs_plan *p, double *out, const double *data, int inverse);

/* Whether plan p's width fits its size and the bit reversal entries its first stage reads (of
 * bitrevLen) index its data inside 2 x size values (checked before use). */
int fftjs_plan_ok(const fftjs_plan *p, size_t bitrevLen);

#endif
