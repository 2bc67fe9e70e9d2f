/*
 * Adam's update of one variable as tfjs' AdamOptimizer computes it, op for op in float32 (the
 * same bits as its wasm kernels: each line below is one of its elementwise ops, nothing fused,
 * -ffp-contract=off), in one pass instead of thirteen kernels:
 *
 *   m' = m b1 + g (1 - b1)          v' = v b2 + g² (1 - b2)
 *   x' = ((m' / c1) / (sqrt(v' / c2) + eps)) (-lr) + x      c1 = 1 - b1^t, c2 = 1 - b2^t
 *
 * adamStep(heap, x, m, v, g, xOut, mOut, vOut, n, c1, c2, b1, b2, oneMinusB1, oneMinusB2,
 *          negLr, eps): tensors are byte offsets of n floats in the wasm heap; the scalars are
 *          float32 values (tfjs makes each a float32 scalar tensor).
 */
#include "adam.h"

#include <math.h>
#include <stdint.h>

#define TENSORS 7
#define SCALARS 8

static napi_value n_adam(napi_env env, napi_callback_info info) {
  static const char *usage =
      "adamStep(heap, x, m, v, g, xOut, mOut, vOut, n, c1, c2, b1, b2, 1-b1, 1-b2, -lr, eps)";
  size_t argc = 1 + TENSORS + 1 + SCALARS;
  napi_value argv[1 + TENSORS + 1 + SCALARS];
  void *heap = NULL;
  size_t bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      argc != 1 + TENSORS + 1 + SCALARS ||
      napi_get_arraybuffer_info(env, argv[0], &heap, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  int32_t off[TENSORS], n = 0;
  double s[SCALARS];
  for (int i = 0; i < TENSORS; i++)
    if (napi_get_value_int32(env, argv[1 + i], &off[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return NULL;
    }
  if (napi_get_value_int32(env, argv[1 + TENSORS], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  for (int i = 0; i < SCALARS; i++)
    if (napi_get_value_double(env, argv[2 + TENSORS + i], &s[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return NULL;
    }
  if (n < 0) {
    napi_throw_range_error(env, NULL, "adamStep: negative size");
    return NULL;
  }
  for (int i = 0; i < TENSORS; i++)
    if (off[i] < 0 || off[i] % 4 != 0 || (size_t)off[i] + (size_t)n * 4 > bytes) {
      napi_throw_range_error(env, NULL, "adamStep: operand outside the heap");
      return NULL;
    }
  uint8_t *base = heap;
  const float *x = (const float *)(base + off[0]), *m = (const float *)(base + off[1]),
              *v = (const float *)(base + off[2]), *g = (const float *)(base + off[3]);
  float *xo = (float *)(base + off[4]), *mo = (float *)(base + off[5]), *vo = (float *)(base + off[6]);
  const float c1 = (float)s[0], c2 = (float)s[1], b1 = (float)s[2], b2 = (float)s[3],
              omb1 = (float)s[4], omb2 = (float)s[5], neglr = (float)s[6], eps = (float)s[7];
  for (int32_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float m1 = m[i] * b1 + gi * omb1;
    const float g2 = gi * gi;
    const float v1 = v[i] * b2 + g2 * omb2;
    const float mh = m1 / c1;
    const float vh = v1 / c2;
    const float den = sqrtf(vh) + eps;
    const float step = (mh / den) * neglr;
    mo[i] = m1;
    vo[i] = v1;
    xo[i] = step + x[i];
  }
  return NULL;
}

napi_status adam_register(napi_env env, napi_value exports) {
  napi_property_descriptor p = {"adamStep", NULL, n_adam, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &p);
}
