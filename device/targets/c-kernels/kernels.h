/*
 * earshot C kernels: the shared/kernels/types.ts contracts on int32 arrays (binary tensors:
 * packed int32 words), bit for bit. No allocation, no Duktape dependency (the benchmarks link
 * them alone). Compile with -ffp-contract=off (quantize's float steps must not fuse).
 */
#ifndef EARSHOT_KERNELS_H
#define EARSHOT_KERNELS_H
#include <stdint.h>

typedef struct {
  int32_t inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft;
} es_geom;

typedef struct {
  int32_t inZp, outZp, actMin, actMax;
} es_requant;

typedef struct {
  int32_t n, aZp, bZp, outZp, leftShift, aMult, aShift, bMult, bShift, outMult, outShift, actMin,
      actMax;
} es_add;

void es_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out);
void es_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out);
void es_dense(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
              const int32_t *shift, int32_t inN, int32_t outN, const es_requant *q, int32_t *out);
void es_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out);
void es_max_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out);
void es_global_avg_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out);
void es_global_max_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out);
void es_tflm_requantize(const int32_t *x, const int32_t *mult, const int32_t *shift, int32_t n,
                        int32_t ch, const es_requant *q, int32_t *out);
void es_add_q(const int32_t *a, const int32_t *b, const es_add *p, int32_t *out);
void es_binary_conv2d(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                      const es_geom *g, int32_t *out);
void es_binary_conv2d_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, const es_geom *g,
                          const es_requant *q, int32_t *out);
void es_binary_dense(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                     int32_t inN, int32_t outN, int32_t *out);
void es_binary_dense_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int32_t inN, int32_t outN,
                         const es_requant *q, int32_t *out);
void es_binarize(const int32_t *x, const int32_t *thr, const int32_t *dir, int32_t pixels,
                 int32_t ch, int32_t *out);
void es_quantize(const double *x, int32_t n, double scale, int32_t zeroPoint, int32_t actMin,
                 int32_t actMax, int32_t *out);
void es_softmax(const int32_t *x, const int32_t *lut, int32_t lutLen, int32_t n, int32_t *out);

/* The same kernels on int8 tensors (activations, and conv weights), for a host that keeps them
 * one byte each (the JerryScript host): the same contracts and bits, without widening copies.
 * Each returns 0, having written nothing, when it does not apply: the output range [actMin,
 * actMax] exceeds int8, or (conv) the values need the exact 64-bit path; the caller then runs
 * the int32 kernel on widened copies. */
int es_conv2d_s8(const int8_t *x, const int8_t *w, const int32_t *bias, const int32_t *mult,
                 const int32_t *shift, const es_geom *g, const es_requant *q, int8_t *out);
int es_depthwise_conv2d_s8(const int8_t *x, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, const es_geom *g,
                           const es_requant *q, int8_t *out);
int es_avg_pool2d_s8(const int8_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                     int8_t *out);
int es_max_pool2d_s8(const int8_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                     int8_t *out);
int es_add_q_s8(const int8_t *a, const int8_t *b, const es_add *p, int8_t *out);

#endif
