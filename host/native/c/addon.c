/*
 * earshot's native Node addon (N-API, plain C). Optional: deploy/native.sh builds it when a C
 * compiler and Node's headers exist; host/native/load.ts falls back to the wasm kernels when it
 * is absent.
 *
 * infer(arena, plan): runs a prepared integer model whose tensors and kernel parameters live in
 * one ArrayBuffer (host/eval/native-resident.ts lays it out). The plan is a Float64Array of
 * calls, each [op code, argc, args...], the arguments lowered as for the wasm kernels
 * (device/targets/wasm/abi.ts): pointers as byte offsets into the arena, scalars as numbers.
 * The kernels are the device's C kernels (device/targets/c-kernels/kernels.c), so the
 * results are the device's bit for bit; conv2d, depthwise conv (multiplier 1) and average pool
 * first try the vectorized forms of fast-int.c (same bits; they decline what they cannot do).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "../../../device/targets/c-kernels/kernels.h"
#include "adam.h"
#include "batch-norm.h"
#include "convolve.h"
#include "fast-int.h"
#include "features.h"
#include "resample.h"
#include "vtlp.h"
#include "train.h"

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error(env, NULL, "earshot native: " #call " failed"); \
      return NULL;                                                   \
    }                                                                \
  } while (0)

/* Op codes of shared/kernels/ops.ts (part of the model format: they never change). */
enum {
  OP_QUANTIZE = 1, OP_CONV2D, OP_DEPTHWISE, OP_DENSE, OP_AVG_POOL, OP_MAX_POOL, OP_GLOBAL_AVG,
  OP_ADD, OP_BINARIZE, OP_BINARY_CONV, OP_BINARY_CONV_INT, OP_BINARY_DENSE, OP_BINARY_DENSE_INT,
  OP_SOFTMAX, OP_GLOBAL_MAX, OP_TFLM_REQUANTIZE
};

/* Arguments each op takes after lowering (checked so a bad plan is refused, not run). */
static int argc_of(int op) {
  switch (op) {
    case OP_QUANTIZE: return 7;
    case OP_CONV2D: case OP_DEPTHWISE: return 8;
    case OP_DENSE: return 9;
    case OP_AVG_POOL: case OP_MAX_POOL: return 5;
    case OP_GLOBAL_AVG: case OP_GLOBAL_MAX: return 7;
    case OP_ADD: return 4;
    case OP_BINARIZE: return 6;
    case OP_BINARY_CONV: return 6;
    case OP_BINARY_CONV_INT: return 8;
    case OP_BINARY_DENSE: return 7;
    case OP_BINARY_DENSE_INT: return 9;
    case OP_SOFTMAX: return 5;
    case OP_TFLM_REQUANTIZE: return 7;
    default: return -1;
  }
}

#define P(i) ((void *)(arena + (size_t)a[i]))
#define I(i) ((int32_t)a[i])

static void run_call(int op, const double *a, uint8_t *arena) {
  switch (op) {
    case OP_QUANTIZE: es_quantize(P(0), I(1), a[2], I(3), I(4), I(5), P(6)); break;
    case OP_CONV2D:
      if (!esn_conv2d(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7)))
        es_conv2d(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7));
      break;
    case OP_DEPTHWISE:
      if (!esn_depthwise_conv2d(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7)))
        es_depthwise_conv2d(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7));
      break;
    case OP_DENSE: es_dense(P(0), P(1), P(2), P(3), P(4), I(5), I(6), P(7), P(8)); break;
    case OP_AVG_POOL:
      if (!esn_avg_pool2d(P(0), P(1), I(2), I(3), P(4))) es_avg_pool2d(P(0), P(1), I(2), I(3), P(4));
      break;
    case OP_MAX_POOL: es_max_pool2d(P(0), P(1), I(2), I(3), P(4)); break;
    case OP_GLOBAL_AVG: es_global_avg_pool(P(0), I(1), I(2), I(3), I(4), I(5), P(6)); break;
    case OP_GLOBAL_MAX: es_global_max_pool(P(0), I(1), I(2), I(3), I(4), I(5), P(6)); break;
    case OP_ADD: es_add_q(P(0), P(1), P(2), P(3)); break;
    case OP_BINARIZE: es_binarize(P(0), P(1), P(2), I(3), I(4), P(5)); break;
    case OP_BINARY_CONV: es_binary_conv2d(P(0), P(1), P(2), P(3), P(4), P(5)); break;
    case OP_BINARY_CONV_INT:
      es_binary_conv2d_int(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7));
      break;
    case OP_BINARY_DENSE: es_binary_dense(P(0), P(1), P(2), P(3), I(4), I(5), P(6)); break;
    case OP_BINARY_DENSE_INT:
      es_binary_dense_int(P(0), P(1), P(2), P(3), P(4), I(5), I(6), P(7), P(8));
      break;
    case OP_SOFTMAX: es_softmax(P(0), P(1), I(2), I(3), P(4)); break;
    case OP_TFLM_REQUANTIZE: es_tflm_requantize(P(0), P(1), P(2), I(3), I(4), P(5), P(6)); break;
  }
}

/* Checks the whole plan before running any of it: known ops, argument counts, every argument
 * a finite number (offsets are checked against the arena by the JS side, which made them). */
static const char *check_plan(const double *plan, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (i + 2 > n) return "plan ends inside a call header";
    const int op = (int)plan[i], argc = (int)plan[i + 1];
    if (argc_of(op) < 0) return "plan names an unknown op code";
    if (argc != argc_of(op)) return "plan gives an op the wrong number of arguments";
    if (i + 2 + (size_t)argc > n) return "plan ends inside a call";
    i += 2 + (size_t)argc;
  }
  return NULL;
}

static napi_value infer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "infer(arena: ArrayBuffer, plan: Float64Array)");
    return NULL;
  }
  void *arena = NULL;
  size_t arenaBytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &arena, &arenaBytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "infer: arena must be an ArrayBuffer");
    return NULL;
  }
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &n, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "infer: plan must be a Float64Array");
    return NULL;
  }
  const double *plan = data;
  const char *bad = check_plan(plan, n);
  if (bad) {
    napi_throw_range_error(env, NULL, bad);
    return NULL;
  }
  for (size_t i = 0; i < n;) {
    const int op = (int)plan[i], k = (int)plan[i + 1];
    run_call(op, plan + i + 2, arena);
    i += 2 + (size_t)k;
  }
  return NULL;
}

static napi_value build_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  const char *text = "gcc " __VERSION__
#ifdef __AVX512F__
                     ", AVX-512"
#elif defined(__AVX2__)
                     ", AVX2"
#endif
      ;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s));
  return s;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"infer", NULL, infer, NULL, NULL, NULL, napi_default, NULL},
      {"buildInfo", NULL, build_info, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  CHECK(train_register(env, exports));
  CHECK(batch_norm_register(env, exports));
  CHECK(adam_register(env, exports));
  CHECK(features_register(env, exports));
  CHECK(resample_register(env, exports));
  CHECK(vtlp_register(env, exports));
  CHECK(convolve_register(env, exports));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
