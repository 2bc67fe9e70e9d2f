/*
 * The polyphase resampler's inner loop (host/data/resample.ts) for the trainer's speed
 * perturbation: the same taps (tabulated by the TS, every phase in one flat table), the same
 * four interleaved partial sums in the same order, so the same float32 output bit for bit
 * (compiled with -ffp-contract=off; the compiler may not reassociate the sums).
 *
 * resamplePolyphase(src: Float32Array, out: Float32Array, taps: Float64Array, up, down, half)
 *   out[o] = sum_j taps[phase(o) * 2 half + j] * src[i0(o) - half + 1 + j], with
 *   pos = o * down, i0 = floor(pos / up), phase = pos - i0 * up; samples outside src are zero.
 */
#include <stdint.h>

#include "resample.h"

static double dot(const double *taps, const float *input, int64_t start, int64_t lo, int64_t hi) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t j = lo;
  for (; j + 3 < hi; j += 4) {
    const int64_t i = start + j;
    a0 += taps[j] * (double)input[i];
    a1 += taps[j + 1] * (double)input[i + 1];
    a2 += taps[j + 2] * (double)input[i + 2];
    a3 += taps[j + 3] * (double)input[i + 3];
  }
  for (; j < hi; j++) a0 += taps[j] * (double)input[start + j];
  return a0 + a1 + (a2 + a3);
}

static napi_value n_resample(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_typedarray_type ts, to, tt;
  size_t ns = 0, no = 0, nt = 0;
  void *ds = NULL, *dout = NULL, *dt = NULL;
  int32_t up = 0, down = 0, half = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
      napi_get_typedarray_info(env, argv[0], &ts, &ns, &ds, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &to, &no, &dout, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &tt, &nt, &dt, NULL, NULL) != napi_ok ||
      ts != napi_float32_array || to != napi_float32_array || tt != napi_float64_array ||
      napi_get_value_int32(env, argv[3], &up) != napi_ok ||
      napi_get_value_int32(env, argv[4], &down) != napi_ok ||
      napi_get_value_int32(env, argv[5], &half) != napi_ok) {
    napi_throw_type_error(env, NULL,
                          "resamplePolyphase(src: Float32Array, out: Float32Array, taps: Float64Array, up, down, half)");
    return NULL;
  }
  if (up < 1 || down < 1 || half < 1 || (uint64_t)up * 2 * (uint64_t)half != nt) {
    napi_throw_range_error(env, NULL, "resamplePolyphase: taps must hold up x 2 half values");
    return NULL;
  }
  const float *src = ds;
  float *out = dout;
  const double *taps = dt;
  const int64_t n = (int64_t)ns, width = 2 * (int64_t)half;
  for (int64_t o = 0; o < (int64_t)no; o++) {
    const int64_t pos = o * down;
    const int64_t i0 = pos / up;
    const int64_t phase = pos - i0 * up;
    const int64_t start = i0 - half + 1;
    const int64_t lo = start < 0 ? -start : 0;
    const int64_t hi = n - start < width ? n - start : width;
    out[o] = (float)dot(taps + phase * width, src, start, lo, hi);
  }
  return NULL;
}

napi_status resample_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"resamplePolyphase", NULL, n_resample, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
