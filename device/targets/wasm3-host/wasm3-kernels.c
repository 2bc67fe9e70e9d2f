/*
 * ../c-kernels/kernels.h over the scalar wasm kernels in wasm3 (see wasm3-kernels.h). The
 * callers (the JerryScript host's natives) have already checked every array against the
 * geometry; the lengths here repeat those formulas to know how many bytes to copy.
 */
#include "wasm3-kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "m3_env.h" /* ResizeMemory: the public API has no way to grow memory from the host */
#include "wasm3.h"

/* wasm3's value stack for the kernels (no recursion: a few hundred slots at most). */
#define STACK_BYTES (16 * 1024)
#define PAGE 65536u

enum { K_CONV, K_DW, K_DENSE, K_AVG, K_MAX, K_GAVG, K_GMAX, K_REQ, K_ADD, K_BCONV, K_BCONV_INT,
       K_BDENSE, K_BDENSE_INT, K_BINARIZE, K_QUANT, K_SOFTMAX, K_COUNT };
/* The exports, named as the op table names the kernels (shared/kernels/ops.ts). */
static const char *const NAMES[K_COUNT] = {
    "conv2d",       "depthwiseConv2d", "dense",          "avgPool2d",     "maxPool2d",
    "globalAvgPool", "globalMaxPool",  "tflmRequantize", "add",           "binaryConv2d",
    "binaryConv2dInt", "binaryDense",  "binaryDenseInt", "binarize",      "quantize",
    "softmax"};

static IM3Environment env;
static IM3Runtime runtime;
static IM3Function fns[K_COUNT];
static uint32_t heapBase;
static uint8_t *wasmBytes; /* wasm3 keeps pointing into the module's bytes */
static const char *error;
static char errorText[160];

static void set_error(const char *what, M3Result r) {
  if (error) return;
  snprintf(errorText, sizeof errorText, "wasm3 %s: %s", what, r);
  error = errorText;
}

const char *es_wasm3_take_error(void) {
  const char *e = error;
  error = NULL;
  return e;
}

uint32_t es_wasm3_memory_bytes(void) { return runtime ? m3_GetMemorySize(runtime) : 0; }

/* The module's abort import (AssemblyScript's): a kernel never calls it; if it did, trap. */
static m3ApiRawFunction(h_abort) {
  (void)runtime;
  (void)_ctx;
  (void)_sp;
  (void)_mem;
  m3ApiTrap("abort called");
}

int es_wasm3_load(const char *path, char *msg, size_t msgLen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(msg, msgLen, "cannot read %s", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasmBytes = malloc(n > 0 ? (size_t)n : 1);
  if (!wasmBytes || n <= 0 || fread(wasmBytes, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    snprintf(msg, msgLen, "cannot read %s", path);
    return 1;
  }
  fclose(f);
  env = m3_NewEnvironment();
  runtime = env ? m3_NewRuntime(env, STACK_BYTES, NULL) : NULL;
  if (!runtime) {
    snprintf(msg, msgLen, "wasm3: out of memory");
    return 1;
  }
  IM3Module module;
  M3Result r = m3_ParseModule(env, &module, wasmBytes, (uint32_t)n);
  if (!r) r = m3_LoadModule(runtime, module);
  if (!r) {
    M3Result l = m3_LinkRawFunction(module, "env", "abort", "v(iiii)", &h_abort);
    if (l != m3Err_functionLookupFailed) r = l;
  }
  IM3Function base = NULL;
  if (!r) r = m3_FindFunction(&base, runtime, "heapBase");
  if (!r) r = m3_CallV(base);
  if (!r) r = m3_GetResultsV(base, &heapBase);
  for (int k = 0; !r && k < K_COUNT; k++) r = m3_FindFunction(&fns[k], runtime, NAMES[k]);
  if (r) {
    snprintf(msg, msgLen, "wasm3: %s: %s", path, r);
    return 1;
  }
  return 0;
}

/* ---- one call: operands placed from heapBase up, scalars passed by value ---- */

typedef enum { A_IN, A_OUT, A_I32, A_F64 } arg_kind;
typedef struct {
  arg_kind kind;
  const void *src; /* A_IN: bytes to copy in; A_OUT: where the output goes back */
  size_t bytes;
  int32_t i32; /* A_I32; A_IN / A_OUT: the operand's address in linear memory */
  double f64;
} arg;

#define MAX_ARGS 10
#define IN(p, n) ((arg){A_IN, (p), (size_t)(n) * 4, 0, 0})
#define IN_F64(p, n) ((arg){A_IN, (p), (size_t)(n) * 8, 0, 0})
#define OUT(p, n) ((arg){A_OUT, (p), (size_t)(n) * 4, 0, 0})
#define I32(v) ((arg){A_I32, NULL, 0, (v), 0})
#define F64(v) ((arg){A_F64, NULL, 0, 0, (v)})

static void call(int k, arg *a, int n) {
  if (error) return;
  uint64_t top = heapBase;
  for (int i = 0; i < n; i++) {
    if (a[i].kind != A_IN && a[i].kind != A_OUT) continue;
    top = (top + 7) & ~(uint64_t)7;
    a[i].i32 = (int32_t)top;
    top += a[i].bytes;
  }
  if (top > 0xFFFF0000u) {
    set_error(NAMES[k], "operands exceed 4 GB of linear memory");
    return;
  }
  if (top > m3_GetMemorySize(runtime)) {
    M3Result r = ResizeMemory(runtime, (uint32_t)((top + PAGE - 1) / PAGE));
    if (r) {
      set_error(NAMES[k], r);
      return;
    }
  }
  uint32_t size = 0;
  uint8_t *mem = m3_GetMemory(runtime, &size, 0);
  if (!mem || top > size) {
    set_error(NAMES[k], "linear memory did not grow");
    return;
  }
  const void *ptrs[MAX_ARGS];
  for (int i = 0; i < n; i++) {
    if (a[i].kind == A_IN) memcpy(mem + a[i].i32, a[i].src, a[i].bytes);
    ptrs[i] = a[i].kind == A_F64 ? (const void *)&a[i].f64 : (const void *)&a[i].i32;
  }
  M3Result r = m3_Call(fns[k], (uint32_t)n, ptrs);
  if (r) {
    set_error(NAMES[k], r);
    return;
  }
  mem = m3_GetMemory(runtime, &size, 0);
  for (int i = 0; i < n; i++)
    if (a[i].kind == A_OUT) memcpy((void *)a[i].src, mem + a[i].i32, a[i].bytes);
}

#define CALL(k, ...)                                   \
  do {                                                 \
    arg args_[] = {__VA_ARGS__};                       \
    call((k), args_, (int)(sizeof args_ / sizeof args_[0])); \
  } while (0)

#define PIX(g) ((size_t)(g)->inH * (size_t)(g)->inW)
#define OPIX(g) ((size_t)(g)->outH * (size_t)(g)->outW)
#define WORDS(ch) ((size_t)(((ch) + 31) / 32))
#define GEOM(g) IN((g), sizeof(es_geom) / 4)
#define REQ(q) IN((q), sizeof(es_requant) / 4)

void es_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
               const int32_t *shift, const es_geom *g, const es_requant *q, int32_t *out) {
  size_t wLen = (size_t)g->outC * g->kH * g->kW * g->inC;
  CALL(K_CONV, IN(x, PIX(g) * g->inC), IN(w, wLen), IN(bias, g->outC), IN(mult, g->outC),
       IN(shift, g->outC), GEOM(g), REQ(q), OUT(out, OPIX(g) * g->outC));
}

void es_depthwise_conv2d(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const es_geom *g,
                         const es_requant *q, int32_t *out) {
  size_t wLen = (size_t)g->kH * g->kW * g->outC;
  CALL(K_DW, IN(x, PIX(g) * g->inC), IN(w, wLen), IN(bias, g->outC), IN(mult, g->outC),
       IN(shift, g->outC), GEOM(g), REQ(q), OUT(out, OPIX(g) * g->outC));
}

void es_binary_conv2d_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, const es_geom *g,
                          const es_requant *q, int32_t *out) {
  size_t words = WORDS(g->inC), wLen = (size_t)g->outC * g->kH * g->kW * words;
  CALL(K_BCONV_INT, IN(x, PIX(g) * words), IN(w, wLen), IN(bias, g->outC), IN(mult, g->outC),
       IN(shift, g->outC), GEOM(g), REQ(q), OUT(out, OPIX(g) * g->outC));
}

void es_dense(const int32_t *x, const int32_t *w, const int32_t *bias, const int32_t *mult,
              const int32_t *shift, int32_t inN, int32_t outN, const es_requant *q, int32_t *out) {
  CALL(K_DENSE, IN(x, inN), IN(w, (size_t)inN * outN), IN(bias, outN), IN(mult, outN),
       IN(shift, outN), I32(inN), I32(outN), REQ(q), OUT(out, outN));
}

void es_binary_dense_int(const int32_t *x, const int32_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int32_t inN, int32_t outN,
                         const es_requant *q, int32_t *out) {
  size_t words = WORDS(inN);
  CALL(K_BDENSE_INT, IN(x, words), IN(w, words * outN), IN(bias, outN), IN(mult, outN),
       IN(shift, outN), I32(inN), I32(outN), REQ(q), OUT(out, outN));
}

void es_avg_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  CALL(K_AVG, IN(x, PIX(g) * g->inC), GEOM(g), I32(actMin), I32(actMax), OUT(out, OPIX(g) * g->inC));
}

void es_max_pool2d(const int32_t *x, const es_geom *g, int32_t actMin, int32_t actMax,
                   int32_t *out) {
  CALL(K_MAX, IN(x, PIX(g) * g->inC), GEOM(g), I32(actMin), I32(actMax), OUT(out, OPIX(g) * g->inC));
}

void es_global_avg_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out) {
  CALL(K_GAVG, IN(x, (size_t)h * w * ch), I32(h), I32(w), I32(ch), I32(actMin), I32(actMax), OUT(out, ch));
}

void es_global_max_pool(const int32_t *x, int32_t h, int32_t w, int32_t ch, int32_t actMin,
                        int32_t actMax, int32_t *out) {
  CALL(K_GMAX, IN(x, (size_t)h * w * ch), I32(h), I32(w), I32(ch), I32(actMin), I32(actMax), OUT(out, ch));
}

void es_tflm_requantize(const int32_t *x, const int32_t *mult, const int32_t *shift, int32_t n,
                        int32_t ch, const es_requant *q, int32_t *out) {
  CALL(K_REQ, IN(x, n), IN(mult, ch), IN(shift, ch), I32(n), I32(ch), REQ(q), OUT(out, n));
}

void es_add_q(const int32_t *a, const int32_t *b, const es_add *p, int32_t *out) {
  CALL(K_ADD, IN(a, p->n), IN(b, p->n), IN(p, sizeof(es_add) / 4), OUT(out, p->n));
}

void es_binary_conv2d(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                      const es_geom *g, int32_t *out) {
  size_t words = WORDS(g->inC), wLen = (size_t)g->outC * g->kH * g->kW * words;
  CALL(K_BCONV, IN(x, PIX(g) * words), IN(w, wLen), IN(thr, g->outC), IN(dir, g->outC), GEOM(g),
       OUT(out, OPIX(g) * WORDS(g->outC)));
}

void es_binary_dense(const int32_t *x, const int32_t *w, const int32_t *thr, const int32_t *dir,
                     int32_t inN, int32_t outN, int32_t *out) {
  size_t words = WORDS(inN);
  CALL(K_BDENSE, IN(x, words), IN(w, words * outN), IN(thr, outN), IN(dir, outN), I32(inN),
       I32(outN), OUT(out, WORDS(outN)));
}

void es_binarize(const int32_t *x, const int32_t *thr, const int32_t *dir, int32_t pixels,
                 int32_t ch, int32_t *out) {
  CALL(K_BINARIZE, IN(x, (size_t)pixels * ch), IN(thr, ch), IN(dir, ch), I32(pixels), I32(ch),
       OUT(out, (size_t)pixels * WORDS(ch)));
}

void es_quantize(const double *x, int32_t n, double scale, int32_t zeroPoint, int32_t actMin,
                 int32_t actMax, int32_t *out) {
  CALL(K_QUANT, IN_F64(x, n), I32(n), F64(scale), I32(zeroPoint), I32(actMin), I32(actMax), OUT(out, n));
}

void es_softmax(const int32_t *x, const int32_t *lut, int32_t lutLen, int32_t n, int32_t *out) {
  CALL(K_SOFTMAX, IN(x, n), IN(lut, lutLen), I32(lutLen), I32(n), OUT(out, n));
}
