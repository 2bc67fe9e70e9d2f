/*
 * Faster host forms of earshot's integer kernels for the native addon (x86-64 with
 * -march=native): the same contracts as device/targets/c-kernels/kernels.h, bit for bit.
 * Each returns 0 when its preconditions (value ranges that keep int32 sums exact) do not hold;
 * the caller then runs the device kernel from kernels.c.
 */
#ifndef EARSHOT_FAST_INT_H
#define EARSHOT_FAST_INT_H
#include "../../../device/targets/c-kernels/kernels.h"

int esn_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out);

int esn_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out);
int esn_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out);

#endif
