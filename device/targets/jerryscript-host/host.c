/*
 * earshot JerryScript host: embeds libjerry (heap fixed at build time: deploy/engines.sh
 * JERRY_HEAP_KB, 256 KB), registers the C kernels (../c-kernels) as external functions on the
 * object `EarshotNative` (the Duktape host's signatures, device/targets/es5/native.ts), and runs
 * the ES5 bundle on a model and int16 samples, shaped as on a device:
 *   - the model's bytes stay outside the JS heap (an external ArrayBuffer, as a board would map
 *     them from flash); the runtime decodes what it needs from them into the heap;
 *   - the audio is read in chunks by EARSHOT_INPUT.read from the file (a board's audio driver).
 *
 *   earshot-jerry BUNDLE.js MODEL SAMPLES_S16 [1 = trace] [SETTINGS] [0 = no natives] [1 = heap stats]
 *
 * With heap stats, the last line is `M <peak heap bytes> <heap size> <bytes outside the heap>`
 * (after the run; outside the heap: the int32 buffers narrow arguments were widened into, and the
 * fixed parameter records).
 *
 * Built with -DEARSHOT_WASM3 (deploy/engines.sh, engine `wasm3`) it is `earshot-wasm3`: the same
 * natives, but the kernels run as the scalar wasm kernels inside wasm3 (../wasm3-host; the front
 * end and block copies stay C). It takes the kernels .wasm as one more argument, after heap
 * stats; its `M` line counts the module's linear memory in the peak and outside the heap.
 * Every native checks array types and lengths against the geometry and throws a TypeError or
 * RangeError instead of touching memory it should not. Exit code 10: the heap ran out (port).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "jerryscript.h"
#include "kernels.h"
#ifdef EARSHOT_WASM3
#include "wasm3-kernels.h"
#include "wasm3.h"
#define KERNELS_IMPL "wasm3"
#define HOST_NAME "earshot-wasm3"
#else
#define KERNELS_IMPL "c-jerryscript"
#define HOST_NAME "earshot-jerry"
#endif

typedef jerry_value_t jv;
#define HANDLER(name) static jv name(const jerry_call_info_t *info, const jv argv[], const jerry_length_t argc)
#define UNUSED_INFO (void)info

/* Per-call state: the first error wins and is returned as the call's exception. */
typedef struct {
  const jv *argv;
  jerry_length_t argc;
  int failed;
  jv error; /* valid when failed */
  /* A narrow output (ints_out): the kernel writes int32 into `wideOut`, narrowed back on return. */
  void *narrowOut;
  jerry_typedarray_type_t narrowType;
  size_t narrowN;
} call;

/* A missing argument reads as undefined (jerry values have no null handle: 0 is the number 0). */
static jv arg_at(call *c, jerry_length_t i) { return i < c->argc ? c->argv[i] : jerry_undefined(); }

static void fail(call *c, jerry_error_t type, const char *msg) {
  if (!c->failed) c->error = jerry_throw_sz(type, msg);
  c->failed = 1;
}

static void narrow_back(call *c);

static jv result(call *c) {
#ifdef EARSHOT_WASM3
  /* A kernel that trapped in wasm3 (or could not grow its memory) fails its call. */
  const char *e = es_wasm3_take_error();
  if (e) fail(c, JERRY_ERROR_COMMON, e);
#endif
  if (c->failed) return c->error;
  narrow_back(c);
  return jerry_undefined();
}

/* The data of typed array argv[i] holding at least `need` elements of `type`. */
static void *typed(call *c, jerry_length_t i, jerry_typedarray_type_t type, size_t need) {
  static char msg[96];
  if (c->failed) return NULL;
  jv v = arg_at(c, i);
  if (!jerry_value_is_typedarray(v) || jerry_typedarray_type(v) != type) {
    snprintf(msg, sizeof msg, "argument %u: expected %s", (unsigned)i,
             type == JERRY_TYPEDARRAY_FLOAT64 ? "a Float64Array" : "an Int32Array");
    fail(c, JERRY_ERROR_TYPE, msg);
    return NULL;
  }
  if ((size_t)jerry_typedarray_length(v) < need) {
    snprintf(msg, sizeof msg, "argument %u: %u elements, need %lu", (unsigned)i,
             (unsigned)jerry_typedarray_length(v), (unsigned long)need);
    fail(c, JERRY_ERROR_RANGE, msg);
    return NULL;
  }
  jerry_size_t off = 0, len = 0;
  jv buf = jerry_typedarray_buffer(v, &off, &len);
  uint8_t *p = jerry_arraybuffer_data(buf);
  jerry_value_free(buf);
  if (!p) {
    /* Its buffer is allocated on first use: NULL means the heap could not hold it. */
    fail(c, JERRY_ERROR_RANGE, "typed array data: JS heap exhausted");
    return NULL;
  }
  return p + off;
}

/* An output (or activation) argument: an Int32Array the kernel reads or writes in place. */
static int32_t *ints(call *c, jerry_length_t i, size_t need) {
  return typed(c, i, JERRY_TYPEDARRAY_INT32, need);
}

/* Widening buffers for narrow constant arguments, one per argument slot, kept between calls
 * (they grow to the largest constant seen: outside the JS heap, no allocation once warm). */
#define MAX_SLOTS 8
static int32_t *wide[MAX_SLOTS];
static size_t wideCap[MAX_SLOTS];

/* An input argument: an Int32Array read in place, or a narrower integer typed array (the
 * runtime keeps int8 weights as Int8Array: EarshotNative.narrowConstants) widened here. */
static int32_t *ints_in(call *c, jerry_length_t i, size_t need) {
  if (c->failed) return NULL;
  jv v = arg_at(c, i);
  jerry_typedarray_type_t t = jerry_value_is_typedarray(v) ? jerry_typedarray_type(v) : JERRY_TYPEDARRAY_INVALID;
  if (t == JERRY_TYPEDARRAY_INT32 || t == JERRY_TYPEDARRAY_UINT32 || i >= MAX_SLOTS ||
      !(t == JERRY_TYPEDARRAY_INT8 || t == JERRY_TYPEDARRAY_UINT8 || t == JERRY_TYPEDARRAY_INT16 ||
        t == JERRY_TYPEDARRAY_UINT16))
    return typed(c, i, t == JERRY_TYPEDARRAY_UINT32 ? t : JERRY_TYPEDARRAY_INT32, need);
  const void *p = typed(c, i, t, need);
  if (!p) return NULL;
  size_t n = jerry_typedarray_length(v);
  if (n > wideCap[i]) {
    int32_t *q = realloc(wide[i], (n ? n : 1) * sizeof(int32_t));
    if (!q) {
      fail(c, JERRY_ERROR_COMMON, "out of memory widening a constant");
      return NULL;
    }
    wide[i] = q;
    wideCap[i] = n;
  }
  int32_t *w = wide[i];
  if (t == JERRY_TYPEDARRAY_INT8) for (size_t k = 0; k < n; k++) w[k] = ((const int8_t *)p)[k];
  else if (t == JERRY_TYPEDARRAY_UINT8) for (size_t k = 0; k < n; k++) w[k] = ((const uint8_t *)p)[k];
  else if (t == JERRY_TYPEDARRAY_INT16) for (size_t k = 0; k < n; k++) w[k] = ((const int16_t *)p)[k];
  else for (size_t k = 0; k < n; k++) w[k] = ((const uint16_t *)p)[k];
  return w;
}

/* The output's widening buffer (outside the JS heap, grows to the largest output seen). */
static int32_t *wideOut;
static size_t wideOutCap;

/* An output argument: an Int32Array written in place, or a narrower integer typed array (the
 * arena keeps int8 activations one byte each: EarshotNative.narrowActivations) whose first
 * `need` elements the kernel reads and writes as int32 here; result() narrows them back (every
 * kernel clamps to its type's range, so the cast is exact). */
static int32_t *ints_out(call *c, jerry_length_t i, size_t need) {
  if (c->failed) return NULL;
  jv v = arg_at(c, i);
  jerry_typedarray_type_t t = jerry_value_is_typedarray(v) ? jerry_typedarray_type(v) : JERRY_TYPEDARRAY_INVALID;
  if (!(t == JERRY_TYPEDARRAY_INT8 || t == JERRY_TYPEDARRAY_UINT8 || t == JERRY_TYPEDARRAY_INT16 ||
        t == JERRY_TYPEDARRAY_UINT16))
    return ints(c, i, need);
  void *p = typed(c, i, t, need);
  if (!p) return NULL;
  if (need > wideOutCap) {
    int32_t *q = realloc(wideOut, (need ? need : 1) * sizeof(int32_t));
    if (!q) {
      fail(c, JERRY_ERROR_COMMON, "out of memory widening an output");
      return NULL;
    }
    wideOut = q;
    wideOutCap = need;
  }
  int32_t *w = wideOut;
  if (t == JERRY_TYPEDARRAY_INT8) for (size_t k = 0; k < need; k++) w[k] = ((const int8_t *)p)[k];
  else if (t == JERRY_TYPEDARRAY_UINT8) for (size_t k = 0; k < need; k++) w[k] = ((const uint8_t *)p)[k];
  else if (t == JERRY_TYPEDARRAY_INT16) for (size_t k = 0; k < need; k++) w[k] = ((const int16_t *)p)[k];
  else for (size_t k = 0; k < need; k++) w[k] = ((const uint16_t *)p)[k];
  c->narrowOut = p;
  c->narrowType = t;
  c->narrowN = need;
  return w;
}

static void narrow_back(call *c) {
  if (!c->narrowOut) return;
  const int32_t *w = wideOut;
  size_t n = c->narrowN;
  void *p = c->narrowOut;
  if (c->narrowType == JERRY_TYPEDARRAY_INT8) for (size_t k = 0; k < n; k++) ((int8_t *)p)[k] = (int8_t)w[k];
  else if (c->narrowType == JERRY_TYPEDARRAY_UINT8) for (size_t k = 0; k < n; k++) ((uint8_t *)p)[k] = (uint8_t)w[k];
  else if (c->narrowType == JERRY_TYPEDARRAY_INT16) for (size_t k = 0; k < n; k++) ((int16_t *)p)[k] = (int16_t)w[k];
  else for (size_t k = 0; k < n; k++) ((uint16_t *)p)[k] = (uint16_t)w[k];
  c->narrowOut = NULL;
}

static int32_t num_int(call *c, jerry_length_t i) {
  static char msg[64];
  jv v = arg_at(c, i);
  if (c->failed) return 0;
  if (!jerry_value_is_number(v)) {
    snprintf(msg, sizeof msg, "argument %u: expected a number", (unsigned)i);
    fail(c, JERRY_ERROR_TYPE, msg);
    return 0;
  }
  return jerry_value_as_int32(v);
}

/* Property names as engine strings, made once per name: jerry_object_get_sz would build (and
 * hash) a new string from the C text on every read, and the kernels read a dozen fields per
 * call. Keyed by the address of the name's string literal (the names are this file's literals, far
 * fewer than KEY_SLOTS); released before jerry_cleanup. */
#define KEY_SLOTS 128
static struct {
  const char *name;
  jv value;
} keys[KEY_SLOTS];

static jv key_value(const char *name) {
  size_t i = ((uintptr_t)name >> 3) % KEY_SLOTS;
  while (keys[i].name && keys[i].name != name) i = (i + 1) % KEY_SLOTS;
  if (!keys[i].name) {
    keys[i].name = name;
    keys[i].value = jerry_string_sz(name);
  }
  return keys[i].value;
}

static void free_keys(void) {
  for (size_t i = 0; i < KEY_SLOTS; i++)
    if (keys[i].name) {
      jerry_value_free(keys[i].value);
      keys[i].name = NULL;
    }
}

/* obj[key]: `key` must be a string literal (its address names its cached engine string). */
static double prop_num(call *c, jv obj, const char *key) {
  static char msg[80];
  if (c->failed) return 0;
  if (!jerry_value_is_object(obj)) {
    fail(c, JERRY_ERROR_TYPE, "expected an object argument");
    return 0;
  }
  jv v = jerry_object_get(obj, key_value(key));
  double d = 0;
  if (!jerry_value_is_number(v)) {
    snprintf(msg, sizeof msg, "field '%s' is not a number", key);
    fail(c, JERRY_ERROR_TYPE, msg);
  } else d = jerry_value_as_number(v);
  jerry_value_free(v);
  return d;
}

static int32_t prop_int(call *c, jv obj, const char *key) { return (int32_t)prop_num(c, obj, key); }

/* ---- fixed parameters (fixParams): a kernel's parameter object read once, at init ----
 * Every field a kernel reads from a parameter object (geometry, requantization, add, dense,
 * quantize), by index. fixParams(obj) copies the object's numeric fields into a record outside
 * the heap and returns its handle (a number); a kernel given a handle reads the record instead
 * of a dozen engine property lookups per call (~600 instructions each). A missing field reads
 * as it would from the object: the call fails naming it. Records live until exit (the runtime
 * fixes each row op's parameters once per plan). */
enum {
  F_INH, F_INW, F_INC, F_OUTH, F_OUTW, F_OUTC, F_KH, F_KW, F_STRIDEH, F_STRIDEW, F_PADTOP, F_PADLEFT,
  F_INZP, F_OUTZP, F_ACTMIN, F_ACTMAX,
  F_N, F_AZP, F_BZP, F_LEFTSHIFT, F_AMULT, F_ASHIFT, F_BMULT, F_BSHIFT, F_OUTMULT, F_OUTSHIFT,
  F_INN, F_OUTN, F_ZEROPOINT, F_SCALE, N_FIELDS
};
static const char *const FIELDS[N_FIELDS] = {
    "inH", "inW", "inC", "outH", "outW", "outC", "kH", "kW", "strideH", "strideW", "padTop", "padLeft",
    "inZp", "outZp", "actMin", "actMax",
    "n", "aZp", "bZp", "leftShift", "aMult", "aShift", "bMult", "bShift", "outMult", "outShift",
    "inN", "outN", "zeroPoint", "scale"};

typedef struct {
  uint32_t has; /* bit f: field f was a number */
  double v[N_FIELDS];
} fixed_params;

#define MAX_FIXED 256
/* Handles start far from the small numbers a caller might pass by mistake. */
#define FIXED_BASE 0x5EED0000
static fixed_params *fixed[MAX_FIXED];
static int n_fixed;

static const fixed_params *fixed_at(jv v) {
  double d = jerry_value_as_number(v);
  if (!(d >= FIXED_BASE && d < FIXED_BASE + n_fixed)) return NULL;
  return fixed[(int)(d - FIXED_BASE)];
}

/* Field f of a parameter object or of a fixed record's handle. */
static double fld_num(call *c, jv o, int f) {
  static char msg[80];
  if (c->failed) return 0;
  if (!jerry_value_is_number(o)) return prop_num(c, o, FIELDS[f]);
  const fixed_params *p = fixed_at(o);
  if (!p) {
    fail(c, JERRY_ERROR_TYPE, "expected an object argument");
    return 0;
  }
  if (!(p->has >> f & 1u)) {
    snprintf(msg, sizeof msg, "field '%s' is not a number", FIELDS[f]);
    fail(c, JERRY_ERROR_TYPE, msg);
    return 0;
  }
  return p->v[f];
}

static int32_t fld(call *c, jv o, int f) { return (int32_t)fld_num(c, o, f); }

/* fixParams(obj) -> a handle, or obj itself (not an object, no numeric field, table full). */
HANDLER(n_fix_params) {
  UNUSED_INFO;
  jv o = argc > 0 ? argv[0] : jerry_undefined();
  if (!jerry_value_is_object(o) || n_fixed >= MAX_FIXED) return jerry_value_copy(o);
  fixed_params *p = calloc(1, sizeof *p);
  if (!p) return jerry_value_copy(o);
  for (int f = 0; f < N_FIELDS; f++) {
    jv v = jerry_object_get(o, key_value(FIELDS[f]));
    if (jerry_value_is_number(v)) {
      p->has |= 1u << f;
      p->v[f] = jerry_value_as_number(v);
    }
    jerry_value_free(v);
  }
  if (p->has == 0) {
    free(p);
    return jerry_value_copy(o);
  }
  fixed[n_fixed] = p;
  return jerry_number(FIXED_BASE + n_fixed++);
}

static void free_fixed(void) {
  for (int i = 0; i < n_fixed; i++) free(fixed[i]);
  n_fixed = 0;
}

static void read_geom(call *c, jv o, es_geom *g) {
  g->inH = fld(c, o, F_INH);
  g->inW = fld(c, o, F_INW);
  g->inC = fld(c, o, F_INC);
  g->outH = fld(c, o, F_OUTH);
  g->outW = fld(c, o, F_OUTW);
  g->outC = fld(c, o, F_OUTC);
  g->kH = fld(c, o, F_KH);
  g->kW = fld(c, o, F_KW);
  g->strideH = fld(c, o, F_STRIDEH);
  g->strideW = fld(c, o, F_STRIDEW);
  g->padTop = fld(c, o, F_PADTOP);
  g->padLeft = fld(c, o, F_PADLEFT);
  if (!c->failed && (g->inH < 0 || g->inW < 0 || g->inC < 1 || g->outH < 0 || g->outW < 0 || g->outC < 1 ||
                    g->kH < 1 || g->kW < 1 || g->strideH < 1 || g->strideW < 1 || g->inH > 65536 ||
                    g->inW > 65536 || g->inC > 65536 || g->outC > 65536))
    fail(c, JERRY_ERROR_RANGE, "bad geometry");
}

static void read_requant(call *c, jv o, es_requant *q) {
  q->inZp = fld(c, o, F_INZP);
  q->outZp = fld(c, o, F_OUTZP);
  q->actMin = fld(c, o, F_ACTMIN);
  q->actMax = fld(c, o, F_ACTMAX);
}

static void check_shifts(call *c, const int32_t *shift, int32_t n, int32_t lo) {
  if (c->failed) return;
  for (int32_t i = 0; i < n; i++)
    if (shift[i] < lo || shift[i] > 62) {
      fail(c, JERRY_ERROR_RANGE, "shift out of range");
      return;
    }
}

#ifndef EARSHOT_WASM3
/* Whether argv[i] is an Int8Array (the narrow arena's tensors; int8 constants). */
static int is_i8(call *c, jerry_length_t i) {
  jv v = arg_at(c, i);
  return jerry_value_is_typedarray(v) && jerry_typedarray_type(v) == JERRY_TYPEDARRAY_INT8;
}
#endif

#define PIX(g) ((size_t)(g).inH * (size_t)(g).inW)
#define OPIX(g) ((size_t)(g).outH * (size_t)(g).outW)
#define WORDS(ch) ((size_t)(((ch) + 31) / 32))
#define CALL call c = {argv, argc, 0, 0, NULL, JERRY_TYPEDARRAY_INVALID, 0}

/* conv2d / depthwiseConv2d / binaryConv2dInt(x, w, bias, mult, shift, geom, q, out) */
static jv conv_like(const jv argv[], jerry_length_t argc, int kind) {
  CALL;
  es_geom g = {0};
  es_requant q = {0};
  read_geom(&c, arg_at(&c, 5), &g);
  read_requant(&c, arg_at(&c, 6), &q);
  if (!c.failed && kind == 1 && g.outC % g.inC != 0) fail(&c, JERRY_ERROR_RANGE, "depth multiplier not whole");
  size_t inWords = kind == 2 ? WORDS(g.inC) : (size_t)g.inC;
  size_t wLen = kind == 1 ? (size_t)g.kH * g.kW * g.outC : (size_t)g.outC * g.kH * g.kW * inWords;
#ifndef EARSHOT_WASM3
  /* int8 in, weights and out: the kernel reads and writes them in place (no widening copies);
   * when it declines, the widening path below runs. */
  if (kind != 2 && !c.failed && is_i8(&c, 0) && is_i8(&c, 1) && is_i8(&c, 7)) {
    int8_t *x8 = typed(&c, 0, JERRY_TYPEDARRAY_INT8, PIX(g) * inWords);
    int8_t *w8 = typed(&c, 1, JERRY_TYPEDARRAY_INT8, wLen);
    int32_t *b8 = ints_in(&c, 2, g.outC), *m8 = ints_in(&c, 3, g.outC), *s8 = ints_in(&c, 4, g.outC);
    int8_t *o8 = typed(&c, 7, JERRY_TYPEDARRAY_INT8, OPIX(g) * g.outC);
    check_shifts(&c, s8, g.outC, 17);
    if (c.failed) return result(&c);
    if (kind == 0 ? es_conv2d_s8(x8, w8, b8, m8, s8, &g, &q, o8)
                  : es_depthwise_conv2d_s8(x8, w8, b8, m8, s8, &g, &q, o8))
      return result(&c);
  }
#endif
  int32_t *x = ints_in(&c, 0, PIX(g) * inWords), *w = ints_in(&c, 1, wLen);
  int32_t *b = ints_in(&c, 2, g.outC), *m = ints_in(&c, 3, g.outC), *s = ints_in(&c, 4, g.outC);
  int32_t *out = ints_out(&c, 7, OPIX(g) * g.outC);
  check_shifts(&c, s, g.outC, 17);
  if (!c.failed) {
    if (kind == 0) es_conv2d(x, w, b, m, s, &g, &q, out);
    else if (kind == 1) es_depthwise_conv2d(x, w, b, m, s, &g, &q, out);
    else es_binary_conv2d_int(x, w, b, m, s, &g, &q, out);
  }
  return result(&c);
}
HANDLER(n_conv2d) { UNUSED_INFO; return conv_like(argv, argc, 0); }
HANDLER(n_depthwise) { UNUSED_INFO; return conv_like(argv, argc, 1); }
HANDLER(n_bconv_int) { UNUSED_INFO; return conv_like(argv, argc, 2); }

/* dense / binaryDenseInt(x, w, bias, mult, shift, {inN, outN}, q, out) */
static jv dense_like(const jv argv[], jerry_length_t argc, int binary) {
  CALL;
  es_requant q = {0};
  int32_t inN = fld(&c, arg_at(&c, 5), F_INN), outN = fld(&c, arg_at(&c, 5), F_OUTN);
  read_requant(&c, arg_at(&c, 6), &q);
  if (!c.failed && (inN < 1 || outN < 1 || inN > (1 << 24) || outN > 65536)) fail(&c, JERRY_ERROR_RANGE, "bad dense shape");
  size_t inW = binary ? WORDS(inN) : (size_t)inN;
  int32_t *x = ints_in(&c, 0, inW), *w = ints_in(&c, 1, inW * (size_t)outN);
  int32_t *b = ints_in(&c, 2, outN), *m = ints_in(&c, 3, outN), *s = ints_in(&c, 4, outN);
  int32_t *out = ints_out(&c, 7, outN);
  check_shifts(&c, s, outN, 17);
  if (!c.failed) {
    if (binary) es_binary_dense_int(x, w, b, m, s, inN, outN, &q, out);
    else es_dense(x, w, b, m, s, inN, outN, &q, out);
  }
  return result(&c);
}
HANDLER(n_dense) { UNUSED_INFO; return dense_like(argv, argc, 0); }
HANDLER(n_bdense_int) { UNUSED_INFO; return dense_like(argv, argc, 1); }

/* binaryConv2d(x, w, thr, dir, geom, out) */
HANDLER(n_bconv) {
  UNUSED_INFO;
  CALL;
  es_geom g = {0};
  read_geom(&c, arg_at(&c, 4), &g);
  int32_t *x = ints_in(&c, 0, PIX(g) * WORDS(g.inC));
  int32_t *w = ints_in(&c, 1, (size_t)g.outC * g.kH * g.kW * WORDS(g.inC));
  int32_t *thr = ints_in(&c, 2, g.outC), *dir = ints_in(&c, 3, g.outC);
  int32_t *out = ints(&c, 5, OPIX(g) * WORDS(g.outC));
  if (!c.failed) es_binary_conv2d(x, w, thr, dir, &g, out);
  return result(&c);
}

/* binaryDense(x, w, thr, dir, {inN, outN}, out) */
HANDLER(n_bdense) {
  UNUSED_INFO;
  CALL;
  int32_t inN = fld(&c, arg_at(&c, 4), F_INN), outN = fld(&c, arg_at(&c, 4), F_OUTN);
  if (!c.failed && (inN < 1 || outN < 1 || inN > (1 << 24) || outN > 65536)) fail(&c, JERRY_ERROR_RANGE, "bad dense shape");
  int32_t *x = ints_in(&c, 0, WORDS(inN)), *w = ints_in(&c, 1, (size_t)outN * WORDS(inN));
  int32_t *thr = ints_in(&c, 2, outN), *dir = ints_in(&c, 3, outN), *out = ints(&c, 5, WORDS(outN));
  if (!c.failed) es_binary_dense(x, w, thr, dir, inN, outN, out);
  return result(&c);
}

/* binarize(x, thr, dir, pixels, ch, out) */
HANDLER(n_binarize) {
  UNUSED_INFO;
  CALL;
  int32_t pixels = num_int(&c, 3), ch = num_int(&c, 4);
  if (!c.failed && (pixels < 0 || ch < 1 || pixels > (1 << 24) || ch > 65536)) fail(&c, JERRY_ERROR_RANGE, "bad shape");
  int32_t *x = ints_in(&c, 0, (size_t)pixels * ch), *thr = ints_in(&c, 1, ch), *dir = ints_in(&c, 2, ch);
  int32_t *out = ints(&c, 5, (size_t)pixels * WORDS(ch));
  if (!c.failed) es_binarize(x, thr, dir, pixels, ch, out);
  return result(&c);
}

/* avgPool2d / maxPool2d(x, geom, {actMin, actMax}, out) */
static jv pool(const jv argv[], jerry_length_t argc, int isMax) {
  CALL;
  es_geom g = {0};
  read_geom(&c, arg_at(&c, 1), &g);
  int32_t lo = fld(&c, arg_at(&c, 2), F_ACTMIN), hi = fld(&c, arg_at(&c, 2), F_ACTMAX);
#ifndef EARSHOT_WASM3
  if (!c.failed && is_i8(&c, 0) && is_i8(&c, 3)) {
    int8_t *x8 = typed(&c, 0, JERRY_TYPEDARRAY_INT8, PIX(g) * g.inC);
    int8_t *o8 = typed(&c, 3, JERRY_TYPEDARRAY_INT8, OPIX(g) * g.inC);
    if (c.failed || (isMax ? es_max_pool2d_s8 : es_avg_pool2d_s8)(x8, &g, lo, hi, o8)) return result(&c);
  }
#endif
  int32_t *x = ints_in(&c, 0, PIX(g) * g.inC), *out = ints_out(&c, 3, OPIX(g) * g.inC);
  if (!c.failed) (isMax ? es_max_pool2d : es_avg_pool2d)(x, &g, lo, hi, out);
  return result(&c);
}
HANDLER(n_avg_pool) { UNUSED_INFO; return pool(argv, argc, 0); }
HANDLER(n_max_pool) { UNUSED_INFO; return pool(argv, argc, 1); }

/* globalAvgPool / globalMaxPool(x, h, w, ch, {actMin, actMax}, out) */
static jv global_pool(const jv argv[], jerry_length_t argc, int isMax) {
  CALL;
  int32_t h = num_int(&c, 1), w = num_int(&c, 2), ch = num_int(&c, 3);
  int32_t lo = fld(&c, arg_at(&c, 4), F_ACTMIN), hi = fld(&c, arg_at(&c, 4), F_ACTMAX);
  if (!c.failed && (h < 0 || w < 0 || ch < 0 || h > 65536 || w > 65536 || ch > 65536)) fail(&c, JERRY_ERROR_RANGE, "bad shape");
  int32_t *x = ints_in(&c, 0, (size_t)h * w * ch), *out = ints_out(&c, 5, ch);
  if (!c.failed) (isMax ? es_global_max_pool : es_global_avg_pool)(x, h, w, ch, lo, hi, out);
  return result(&c);
}
HANDLER(n_global_pool) { UNUSED_INFO; return global_pool(argv, argc, 0); }
HANDLER(n_global_max_pool) { UNUSED_INFO; return global_pool(argv, argc, 1); }

/* tflmRequantize(x, mult, shift, n, ch, q, out) */
HANDLER(n_tflm_requantize) {
  UNUSED_INFO;
  CALL;
  es_requant q = {0};
  int32_t n = num_int(&c, 3), ch = num_int(&c, 4);
  read_requant(&c, arg_at(&c, 5), &q);
  if (!c.failed && (n < 0 || ch < 1 || n % ch != 0 || n > (1 << 24))) fail(&c, JERRY_ERROR_RANGE, "bad requantize shape");
  int32_t *x = ints_in(&c, 0, n), *m = ints_in(&c, 1, ch), *s = ints_in(&c, 2, ch), *out = ints_out(&c, 6, n);
  check_shifts(&c, s, ch, 26);
  if (!c.failed) es_tflm_requantize(x, m, s, n, ch, &q, out);
  return result(&c);
}

/* add(a, b, params, out) */
HANDLER(n_add) {
  UNUSED_INFO;
  CALL;
  jv o = arg_at(&c, 2);
  es_add p;
  p.n = fld(&c, o, F_N);
  p.aZp = fld(&c, o, F_AZP);
  p.bZp = fld(&c, o, F_BZP);
  p.outZp = fld(&c, o, F_OUTZP);
  p.leftShift = fld(&c, o, F_LEFTSHIFT);
  p.aMult = fld(&c, o, F_AMULT);
  p.aShift = fld(&c, o, F_ASHIFT);
  p.bMult = fld(&c, o, F_BMULT);
  p.bShift = fld(&c, o, F_BSHIFT);
  p.outMult = fld(&c, o, F_OUTMULT);
  p.outShift = fld(&c, o, F_OUTSHIFT);
  p.actMin = fld(&c, o, F_ACTMIN);
  p.actMax = fld(&c, o, F_ACTMAX);
  if (!c.failed && (p.n < 0 || p.leftShift < 0 || p.leftShift > 30)) fail(&c, JERRY_ERROR_RANGE, "bad add params");
  int32_t sh[3] = {p.aShift, p.bShift, p.outShift};
  check_shifts(&c, sh, 3, 17);
#ifndef EARSHOT_WASM3
  if (!c.failed && is_i8(&c, 0) && is_i8(&c, 1) && is_i8(&c, 3)) {
    int8_t *a8 = typed(&c, 0, JERRY_TYPEDARRAY_INT8, p.n), *b8 = typed(&c, 1, JERRY_TYPEDARRAY_INT8, p.n);
    int8_t *o8 = typed(&c, 3, JERRY_TYPEDARRAY_INT8, p.n);
    if (c.failed || es_add_q_s8(a8, b8, &p, o8)) return result(&c);
  }
#endif
  int32_t *a = ints_in(&c, 0, p.n), *b = ints_in(&c, 1, p.n), *out = ints_out(&c, 3, p.n);
  if (!c.failed) es_add_q(a, b, &p, out);
  return result(&c);
}

/* quantize(x Float64Array, {n, scale, zeroPoint, actMin, actMax}, out) */
HANDLER(n_quantize) {
  UNUSED_INFO;
  CALL;
  jv o = arg_at(&c, 1);
  int32_t n = fld(&c, o, F_N), zp = fld(&c, o, F_ZEROPOINT);
  int32_t lo = fld(&c, o, F_ACTMIN), hi = fld(&c, o, F_ACTMAX);
  double scale = fld_num(&c, o, F_SCALE);
  if (!c.failed && n < 0) fail(&c, JERRY_ERROR_RANGE, "bad length");
  double *x = typed(&c, 0, JERRY_TYPEDARRAY_FLOAT64, n);
  int32_t *out = ints_out(&c, 2, n);
  if (!c.failed) es_quantize(x, n, scale, zp, lo, hi, out);
  return result(&c);
}

/* softmax(x, lut, n, out) */
HANDLER(n_softmax) {
  UNUSED_INFO;
  CALL;
  int32_t n = num_int(&c, 2);
  if (!c.failed && n < 1) fail(&c, JERRY_ERROR_RANGE, "bad length");
  int32_t *lut = ints_in(&c, 1, 1);
  int32_t lutLen = c.failed ? 0 : (int32_t)jerry_typedarray_length(argv[1]);
  int32_t *x = ints_in(&c, 0, n), *out = ints_out(&c, 3, n);
  if (!c.failed) es_softmax(x, lut, lutLen, n, out);
  return result(&c);
}

/* ---- front end: tables built in C (outside the heap) from the configuration, frames in C ---- */

#define MAX_FRONTENDS 4
static es_frontend frontends[MAX_FRONTENDS];
static int n_frontends;

static jv get(jv obj, const char *key) {
  return jerry_value_is_object(obj) ? jerry_object_get_sz(obj, key) : jerry_undefined();
}

/* frontEndInit(frontEnd): a shared/features FrontEnd, or any object with its windowLength,
 * hopLength, coeffs and config fields; builds the tables (es_frontend_build); returns a handle. */
HANDLER(n_frontend_init) {
  UNUSED_INFO;
  CALL;
  if (n_frontends >= MAX_FRONTENDS) {
    fail(&c, JERRY_ERROR_RANGE, "too many front ends");
    return result(&c);
  }
  jv fe = arg_at(&c, 0);
  es_frontend_config k;
  k.win = prop_int(&c, fe, "windowLength");
  k.hop = prop_int(&c, fe, "hopLength");
  k.coeffs = prop_int(&c, fe, "coeffs");
  jv cfg = get(fe, "config");
  k.sampleRate = prop_int(&c, cfg, "sampleRate");
  k.fftSize = prop_int(&c, cfg, "fftSize");
  k.nMels = prop_int(&c, cfg, "nMels");
  k.fMin = prop_num(&c, cfg, "fMin");
  k.fMax = prop_num(&c, cfg, "fMax");
  k.logFloor = prop_num(&c, cfg, "logFloor");
  jv kind = get(cfg, "kind");
  if (!c.failed && !jerry_value_is_string(kind)) fail(&c, JERRY_ERROR_TYPE, "frontEndInit: bad config kind");
  k.lfbe = 0;
  if (!c.failed) {
    char name[8] = {0};
    jerry_string_to_buffer(kind, JERRY_ENCODING_CESU8, (jerry_char_t *)name, sizeof name - 1);
    k.lfbe = strcmp(name, "lfbe") == 0;
  }
  jerry_value_free(kind);
  jerry_value_free(cfg);
  if (c.failed) return result(&c);
  const char *problem = es_frontend_build(&frontends[n_frontends], &k);
  if (problem != NULL) {
    fail(&c, JERRY_ERROR_RANGE, problem);
    return result(&c);
  }
  return jerry_number(n_frontends++);
}

/* frontEndFrame(handle, src Float64Array, srcOffset, out Float64Array, outOffset) */
HANDLER(n_frontend_frame) {
  UNUSED_INFO;
  CALL;
  int32_t h = num_int(&c, 0), so = num_int(&c, 2), oo = num_int(&c, 4);
  if (!c.failed && (h < 0 || h >= n_frontends)) fail(&c, JERRY_ERROR_RANGE, "bad front-end handle");
  if (!c.failed && (so < 0 || oo < 0)) fail(&c, JERRY_ERROR_RANGE, "negative offset");
  if (c.failed) return result(&c);
  es_frontend *f = &frontends[h];
  double *src = typed(&c, 1, JERRY_TYPEDARRAY_FLOAT64, (size_t)so + f->win);
  double *out = typed(&c, 3, JERRY_TYPEDARRAY_FLOAT64, (size_t)oo + f->coeffs);
  if (!c.failed) es_frontend_frame(f, src + so, out + oo);
  return result(&c);
}

/* The model's input quantizer per front end (frontEndQuantizer), for frontEndFrameQuantized. */
static struct {
  int set;
  double scale;
  int32_t zeroPoint, actMin, actMax;
} fe_quant[MAX_FRONTENDS];

/* frontEndQuantizer(handle, {scale, zeroPoint, actMin, actMax}[, mean, std]): the quantize kernel's
 * parameters, and the model's input normalization. */
HANDLER(n_frontend_quantizer) {
  UNUSED_INFO;
  CALL;
  int32_t h = num_int(&c, 0);
  if (!c.failed && (h < 0 || h >= n_frontends)) fail(&c, JERRY_ERROR_RANGE, "bad front-end handle");
  jv o = arg_at(&c, 1);
  double scale = prop_num(&c, o, "scale");
  int32_t zp = prop_int(&c, o, "zeroPoint"), lo = prop_int(&c, o, "actMin"), hi = prop_int(&c, o, "actMax");
  /* Optional: the model's input normalization (Float64Arrays of coeffs values), applied to each
   * frame before the quantizer. */
  const double *mean = NULL, *std = NULL;
  if (!c.failed && !jerry_value_is_undefined(arg_at(&c, 2))) {
    mean = typed(&c, 2, JERRY_TYPEDARRAY_FLOAT64, (size_t)frontends[h].coeffs);
    std = typed(&c, 3, JERRY_TYPEDARRAY_FLOAT64, (size_t)frontends[h].coeffs);
  }
  if (!c.failed && !es_frontend_set_norm(&frontends[h], mean, std))
    fail(&c, JERRY_ERROR_RANGE, "frontEndQuantizer: out of memory");
  if (!c.failed) {
    fe_quant[h].scale = scale;
    fe_quant[h].zeroPoint = zp;
    fe_quant[h].actMin = lo;
    fe_quant[h].actMax = hi;
    fe_quant[h].set = 1;
  }
  return result(&c);
}

static int elem_bytes(jerry_typedarray_type_t t);
static char *raw(call *c, jerry_length_t i, size_t needElems, jerry_typedarray_type_t *type);

/* frontEndPushQuantized(handle, src Float64Array, srcOffset, n, dst, slot) -> frames made: the
 * samples into the front end's own window; each full window's frame, quantized by the handle's
 * quantizer, into dst at frame slot `slot`, `slot + 1`, ... (wrapping at dst.length / coeffs).
 * dst: an Int32Array or (the narrow frame ring) Int8 / Uint8 / Int16 / Uint16Array whose range
 * holds the quantizer's [actMin, actMax] (every value is clamped to it). */
HANDLER(n_frontend_push_quantized) {
  UNUSED_INFO;
  CALL;
  int32_t h = num_int(&c, 0), so = num_int(&c, 2), n = num_int(&c, 3), slot = num_int(&c, 5);
  if (!c.failed && (h < 0 || h >= n_frontends || !fe_quant[h].set))
    fail(&c, JERRY_ERROR_RANGE, "bad front-end handle (or no frontEndQuantizer)");
  if (!c.failed && (so < 0 || n < 0)) fail(&c, JERRY_ERROR_RANGE, "negative offset or count");
  if (c.failed) return result(&c);
  es_frontend *f = &frontends[h];
  const int32_t coeffs = f->coeffs;
  double *src = typed(&c, 1, JERRY_TYPEDARRAY_FLOAT64, (size_t)so + n);
  jerry_typedarray_type_t t = JERRY_TYPEDARRAY_INVALID;
  char *dst = raw(&c, 4, (size_t)coeffs, &t);
  const int32_t slots = c.failed ? 0 : (int32_t)(jerry_typedarray_length(argv[4]) / (jerry_length_t)coeffs);
  const int32_t lo = fe_quant[h].actMin, hi = fe_quant[h].actMax;
  int32_t tlo = INT32_MIN, thi = INT32_MAX;
  if (t == JERRY_TYPEDARRAY_INT8) tlo = -128, thi = 127;
  else if (t == JERRY_TYPEDARRAY_UINT8) tlo = 0, thi = 255;
  else if (t == JERRY_TYPEDARRAY_INT16) tlo = -32768, thi = 32767;
  else if (t == JERRY_TYPEDARRAY_UINT16) tlo = 0, thi = 65535;
  else if (!c.failed && t != JERRY_TYPEDARRAY_INT32) fail(&c, JERRY_ERROR_TYPE, "frontEndPushQuantized: dst must be an integer typed array");
  if (!c.failed && (lo < tlo || lo > thi || hi < tlo || hi > thi))
    fail(&c, JERRY_ERROR_RANGE, "frontEndPushQuantized: the quantizer's range exceeds dst's element type");
  if (!c.failed && (slot < 0 || slot >= slots)) fail(&c, JERRY_ERROR_RANGE, "frontEndPushQuantized: bad slot");
  if (c.failed) return result(&c);
  /* coeffs <= nMels <= 512 (frontEndInit) */
  double feat[512];
  int32_t q[512];
  int32_t made = 0;
  for (int32_t i = 0; i < n;) {
    i += es_frontend_append(f, src + so + i, n - i);
    if (f->fill < f->win) break;
    es_frontend_take_frame(f, feat);
    es_quantize(feat, coeffs, fe_quant[h].scale, fe_quant[h].zeroPoint, lo, hi, q);
    const size_t o = (size_t)slot * coeffs;
    if (t == JERRY_TYPEDARRAY_INT32) memcpy((int32_t *)dst + o, q, (size_t)coeffs * sizeof(int32_t));
    else if (t == JERRY_TYPEDARRAY_INT8) for (int32_t k = 0; k < coeffs; k++) ((int8_t *)dst)[o + k] = (int8_t)q[k];
    else if (t == JERRY_TYPEDARRAY_UINT8) for (int32_t k = 0; k < coeffs; k++) ((uint8_t *)dst)[o + k] = (uint8_t)q[k];
    else if (t == JERRY_TYPEDARRAY_INT16) for (int32_t k = 0; k < coeffs; k++) ((int16_t *)dst)[o + k] = (int16_t)q[k];
    else for (int32_t k = 0; k < coeffs; k++) ((uint16_t *)dst)[o + k] = (uint16_t)q[k];
    slot = slot + 1 == slots ? 0 : slot + 1;
    made++;
  }
  return jerry_number(made);
}

/* ---- block copies for the stream stages (typed arrays of one element type) ---- */

static int elem_bytes(jerry_typedarray_type_t t) {
  switch (t) {
    case JERRY_TYPEDARRAY_UINT8: case JERRY_TYPEDARRAY_UINT8CLAMPED: case JERRY_TYPEDARRAY_INT8: return 1;
    case JERRY_TYPEDARRAY_UINT16: case JERRY_TYPEDARRAY_INT16: return 2;
    case JERRY_TYPEDARRAY_UINT32: case JERRY_TYPEDARRAY_INT32: case JERRY_TYPEDARRAY_FLOAT32: return 4;
    case JERRY_TYPEDARRAY_FLOAT64: return 8;
    default: return 0;
  }
}

/* The bytes of typed array argv[i], its element type and size. */
static char *raw(call *c, jerry_length_t i, size_t needElems, jerry_typedarray_type_t *type) {
  if (c->failed) return NULL;
  jv v = arg_at(c, i);
  *type = jerry_value_is_typedarray(v) ? jerry_typedarray_type(v) : JERRY_TYPEDARRAY_INVALID;
  if (!elem_bytes(*type)) {
    fail(c, JERRY_ERROR_TYPE, "copy: expected typed arrays");
    return NULL;
  }
  return typed(c, i, *type, needElems);
}

/* copy(src, srcOff, dst, dstOff, n): memmove. */
HANDLER(n_copy) {
  UNUSED_INFO;
  CALL;
  int32_t so = num_int(&c, 1), dof = num_int(&c, 3), n = num_int(&c, 4);
  if (!c.failed && n == 0) return jerry_undefined();
  if (!c.failed && (so < 0 || dof < 0 || n < 0)) fail(&c, JERRY_ERROR_RANGE, "copy: bad ranges");
  jerry_typedarray_type_t st = JERRY_TYPEDARRAY_INVALID, dt = JERRY_TYPEDARRAY_INVALID;
  char *src = raw(&c, 0, (size_t)so + n, &st), *dst = raw(&c, 2, (size_t)dof + n, &dt);
  if (!c.failed && st != dt) fail(&c, JERRY_ERROR_TYPE, "copy: element types differ");
  if (!c.failed) {
    size_t e = (size_t)elem_bytes(st);
    memmove(dst + (size_t)dof * e, src + (size_t)so * e, (size_t)n * e);
  }
  return result(&c);
}

/* shift(window, n, src, add): window[0 .. n - add) = window[add .. n), then
 * window[n - add .. n) = src[0 .. add) (TensorMemory.shift; one element type). */
HANDLER(n_shift) {
  UNUSED_INFO;
  CALL;
  int32_t n = num_int(&c, 1), add = num_int(&c, 3);
  if (!c.failed && (n < 0 || add < 0 || add > n)) fail(&c, JERRY_ERROR_RANGE, "shift: bad counts");
  jerry_typedarray_type_t wt = JERRY_TYPEDARRAY_INVALID, st = JERRY_TYPEDARRAY_INVALID;
  char *w = raw(&c, 0, (size_t)n, &wt), *src = raw(&c, 2, (size_t)add, &st);
  if (!c.failed && wt != st) fail(&c, JERRY_ERROR_TYPE, "shift: element types differ");
  if (!c.failed) {
    const size_t e = (size_t)elem_bytes(wt), keep = (size_t)(n - add) * e;
    memmove(w, w + (size_t)add * e, keep);
    memmove(w + keep, src, (size_t)add * e);
  }
  return result(&c);
}

/* copyScaled(src Int16Array | Int32Array | Float64Array, srcOff, dst Float64Array, dstOff, n, scale) */
HANDLER(n_copy_scaled) {
  UNUSED_INFO;
  CALL;
  int32_t so = num_int(&c, 1), dof = num_int(&c, 3), n = num_int(&c, 4);
  jv sv = arg_at(&c, 5);
  if (!c.failed && !jerry_value_is_number(sv)) fail(&c, JERRY_ERROR_TYPE, "copyScaled: scale is not a number");
  if (!c.failed && n == 0) return jerry_undefined();
  if (!c.failed && (so < 0 || dof < 0 || n < 0)) fail(&c, JERRY_ERROR_RANGE, "copyScaled: bad ranges");
  jerry_typedarray_type_t st = JERRY_TYPEDARRAY_INVALID;
  char *src = raw(&c, 0, (size_t)so + n, &st);
  double *d = typed(&c, 2, JERRY_TYPEDARRAY_FLOAT64, (size_t)dof + n);
  if (!c.failed && st != JERRY_TYPEDARRAY_INT16 && st != JERRY_TYPEDARRAY_INT32 && st != JERRY_TYPEDARRAY_FLOAT64)
    fail(&c, JERRY_ERROR_TYPE, "copyScaled: source must be Int16Array, Int32Array or Float64Array");
  if (c.failed) return result(&c);
  double scale = jerry_value_as_number(sv);
  d += dof;
  if (st == JERRY_TYPEDARRAY_INT16) {
    const int16_t *s = (const int16_t *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  } else if (st == JERRY_TYPEDARRAY_INT32) {
    const int32_t *s = (const int32_t *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  } else {
    const double *s = (const double *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  }
  return jerry_undefined();
}

/* ---- host I/O ---- */

HANDLER(n_print) {
  UNUSED_INFO;
  jv s = jerry_value_to_string(argc > 0 ? argv[0] : jerry_undefined());
  if (jerry_value_is_exception(s)) return s;
  static jerry_char_t buf[4096];
  jerry_size_t size = jerry_string_size(s, JERRY_ENCODING_CESU8);
  if (size < sizeof buf) {
    jerry_size_t n = jerry_string_to_buffer(s, JERRY_ENCODING_CESU8, buf, sizeof buf);
    fwrite(buf, 1, n, stdout);
  } else {
    jerry_char_t *big = malloc(size);
    if (big) {
      jerry_size_t n = jerry_string_to_buffer(s, JERRY_ENCODING_CESU8, big, size);
      fwrite(big, 1, n, stdout);
      free(big);
    }
  }
  fputc('\n', stdout);
  jerry_value_free(s);
  return jerry_undefined();
}

/* EARSHOT_INPUT.read(dst, max): up to max int16 samples from the audio file into dst (an Int32Array
 * or Int16Array in place, else element by element). */
static FILE *audio;
HANDLER(n_read) {
  UNUSED_INFO;
  CALL;
  int32_t max = num_int(&c, 1);
  if (!c.failed && max < 0) fail(&c, JERRY_ERROR_RANGE, "read: negative count");
  if (c.failed) return result(&c);
  jv dst = argv[0];
  jerry_typedarray_type_t t = jerry_value_is_typedarray(dst) ? jerry_typedarray_type(dst) : JERRY_TYPEDARRAY_INVALID;
  int16_t pcm[512];
  int32_t total = 0;
  int32_t *d32 = t == JERRY_TYPEDARRAY_INT32 ? ints(&c, 0, max) : NULL;
  int16_t *d16 = t == JERRY_TYPEDARRAY_INT16 ? typed(&c, 0, t, max) : NULL;
  if (c.failed) return result(&c);
  while (total < max) {
    size_t want = (size_t)(max - total) < 512 ? (size_t)(max - total) : 512;
    size_t got = fread(pcm, 2, want, audio);
    for (size_t i = 0; i < got; i++) {
      if (d32) d32[total + (int32_t)i] = pcm[i];
      else if (d16) d16[total + (int32_t)i] = pcm[i];
      else {
        jv v = jerry_number(pcm[i]);
        jerry_value_free(jerry_object_set_index(dst, (uint32_t)(total + (int32_t)i), v));
        jerry_value_free(v);
      }
    }
    total += (int32_t)got;
    if (got < want) break;
  }
  return jerry_number(total);
}

/* Programs: a fixed sequence of this host's own calls (kernels, shift, copy) run by one native
 * call, so a stride of streaming inference costs one trip through the interpreter instead of one
 * per kernel (runtime/memory.ts TensorMemory.program). program(steps) records the sequence,
 * [id, argumentList, id, argumentList, ...] with each id an index into programSteps, keeping a
 * copy of every argument value (outside the JS heap: an array of handles per step), and returns
 * its handle (undefined when the table is full); runProgram(handle) runs it. Each step calls the same handler the JS call would,
 * with the same arguments, so it checks and computes the same. */
static const char *const PROGRAM_STEPS[] = {"conv2d", "depthwiseConv2d", "dense", "avgPool2d", "maxPool2d",
                                            "globalAvgPool", "globalMaxPool", "tflmRequantize", "add",
                                            "binaryConv2d", "binaryConv2dInt", "binaryDense", "binaryDenseInt",
                                            "binarize", "quantize", "softmax", "shift", "copy", NULL};
#define N_PROGRAM_STEPS (sizeof PROGRAM_STEPS / sizeof PROGRAM_STEPS[0] - 1)
static jerry_external_handler_t step_fn[N_PROGRAM_STEPS];
typedef struct {
  jerry_external_handler_t fn;
  jerry_length_t argc;
  jv *argv;
} program_step;
typedef struct {
  program_step *steps;
  uint32_t n;
} program;
#define MAX_PROGRAMS 16
static program programs[MAX_PROGRAMS];
static int n_programs;

static void free_steps(program_step *steps, uint32_t n) {
  for (uint32_t j = 0; j < n; j++) {
    for (jerry_length_t k = 0; k < steps[j].argc; k++) jerry_value_free(steps[j].argv[k]);
    free(steps[j].argv);
  }
  free(steps);
}

HANDLER(n_program) {
  UNUSED_INFO;
  jv list = argc > 0 ? argv[0] : jerry_undefined();
  if (!jerry_value_is_array(list) || jerry_array_length(list) % 2 != 0)
    return jerry_throw_sz(JERRY_ERROR_TYPE, "program: expected [id, argumentList, ...]");
  /* Table full (each stride change records a new streaming program): undefined, and the
   * runtime makes the calls from JS, as fixParams hands back its object when its table is full. */
  if (n_programs >= MAX_PROGRAMS) return jerry_undefined();
  uint32_t n = jerry_array_length(list) / 2;
  program_step *steps = calloc(n > 0 ? n : 1, sizeof *steps);
  if (!steps) return jerry_throw_sz(JERRY_ERROR_RANGE, "program: out of memory");
  for (uint32_t i = 0; i < n; i++) {
    jv id = jerry_object_get_index(list, 2 * i), args = jerry_object_get_index(list, 2 * i + 1);
    double d = jerry_value_is_number(id) ? jerry_value_as_number(id) : -1;
    jerry_value_free(id);
    if (!(d >= 0 && d < N_PROGRAM_STEPS) || d != (double)(int)d || !jerry_value_is_array(args)) {
      jerry_value_free(args);
      free_steps(steps, i);
      return jerry_throw_sz(JERRY_ERROR_TYPE, "program: a step is not a known id with an argument list");
    }
    steps[i].fn = step_fn[(int)d];
    steps[i].argc = jerry_array_length(args);
    steps[i].argv = calloc(steps[i].argc > 0 ? steps[i].argc : 1, sizeof(jv));
    if (!steps[i].argv) {
      jerry_value_free(args);
      free_steps(steps, i);
      return jerry_throw_sz(JERRY_ERROR_RANGE, "program: out of memory");
    }
    for (jerry_length_t k = 0; k < steps[i].argc; k++) steps[i].argv[k] = jerry_object_get_index(args, k);
    jerry_value_free(args);
  }
  programs[n_programs].steps = steps;
  programs[n_programs].n = n;
  return jerry_number(n_programs++);
}

/* runProgram(handle): each step in order; the first failing step's exception is the result. */
HANDLER(n_run_program) {
  jv h = argc > 0 ? argv[0] : jerry_undefined();
  double d = jerry_value_is_number(h) ? jerry_value_as_number(h) : -1;
  if (!(d >= 0 && d < n_programs) || d != (double)(int)d)
    return jerry_throw_sz(JERRY_ERROR_RANGE, "runProgram: no such program");
  const program *p = &programs[(int)d];
  for (uint32_t i = 0; i < p->n; i++) {
    jv r = p->steps[i].fn(info, p->steps[i].argv, p->steps[i].argc);
    if (jerry_value_is_exception(r)) return r;
    jerry_value_free(r);
  }
  return jerry_undefined();
}

static void free_programs(void) {
  for (int i = 0; i < n_programs; i++) free_steps(programs[i].steps, programs[i].n);
  n_programs = 0;
}

static const struct {
  const char *name;
  jerry_external_handler_t fn;
  int nargs; /* the op table's arity (test/kernels/op-table.test.ts checks it) */
} NATIVES[] = {
    {"conv2d", n_conv2d, 8},
    {"depthwiseConv2d", n_depthwise, 8},
    {"dense", n_dense, 8},
    {"avgPool2d", n_avg_pool, 4},
    {"maxPool2d", n_max_pool, 4},
    {"globalAvgPool", n_global_pool, 6},
    {"globalMaxPool", n_global_max_pool, 6},
    {"tflmRequantize", n_tflm_requantize, 7},
    {"add", n_add, 4},
    {"binaryConv2d", n_bconv, 6},
    {"binaryConv2dInt", n_bconv_int, 8},
    {"binaryDense", n_bdense, 6},
    {"binaryDenseInt", n_bdense_int, 8},
    {"binarize", n_binarize, 6},
    {"quantize", n_quantize, 3},
    {"softmax", n_softmax, 4},
    {"frontEndInit", n_frontend_init, 1},
    {"frontEndFrame", n_frontend_frame, 5},
    {"frontEndQuantizer", n_frontend_quantizer, 4},
    {"frontEndPushQuantized", n_frontend_push_quantized, 6},
    {"copy", n_copy, 5},
    {"copyScaled", n_copy_scaled, 6},
    {"shift", n_shift, 4},
    {"fixParams", n_fix_params, 1},
    {"program", n_program, 1},
    {"runProgram", n_run_program, 1},
    {NULL, NULL, 0}};


static void set_fn(jv obj, const char *name, jerry_external_handler_t fn) {
  jv f = jerry_function_external(fn);
  jerry_value_free(jerry_object_set_sz(obj, name, f));
  jerry_value_free(f);
}

static void set_value(jv obj, const char *name, jv v) {
  jerry_value_free(jerry_object_set_sz(obj, name, v));
  jerry_value_free(v);
}

/* ArrayBuffers with a backing pointer: on the JS heap as by default, except the external model
 * buffer (tagged), which the GC must not hand back to the heap. */
static char EXTERNAL_TAG;
static uint8_t *ab_alloc(jerry_arraybuffer_type_t type, uint32_t size, void **ab_user, void *user) {
  (void)type;
  (void)user;
  *ab_user = NULL;
  return jerry_heap_alloc(size);
}
static void ab_free(jerry_arraybuffer_type_t type, uint8_t *p, uint32_t size, void *ab_user, void *user) {
  (void)type;
  (void)user;
  if (ab_user != &EXTERNAL_TAG) jerry_heap_free(p, size);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = n > 0 ? (size_t)n : 0;
  return buf;
}

/* Prints an uncaught exception as the one line the host-side parser reports. */
static void report(jv ex) {
  jv v = jerry_exception_value(ex, false);
  jv s = jerry_value_to_string(v);
  static jerry_char_t buf[1024];
  jerry_size_t n = jerry_value_is_exception(s) ? 0 : jerry_string_to_buffer(s, JERRY_ENCODING_CESU8, buf, sizeof buf - 1);
  buf[n] = 0;
  fflush(stdout);
  fprintf(stderr, HOST_NAME ": %s\n", buf);
  jerry_value_free(s);
  jerry_value_free(v);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    jerry_init(JERRY_INIT_EMPTY);
    jerry_heap_stats_t hs;
    memset(&hs, 0, sizeof hs);
    int have = jerry_heap_stats(&hs);
    jerry_cleanup();
#ifdef EARSHOT_WASM3
    printf("earshot-wasm3 (wasm3 " M3_VERSION " kernels, JerryScript %d.%d.%d), heap %lu KB\n",
           JERRY_API_MAJOR_VERSION, JERRY_API_MINOR_VERSION,
#else
    printf("earshot-jerry (JerryScript %d.%d.%d), heap %lu KB\n", JERRY_API_MAJOR_VERSION, JERRY_API_MINOR_VERSION,
#endif
           JERRY_API_PATCH_VERSION, have ? (unsigned long)(hs.size / 1024) : 0UL);
    return 0;
  }
  if (argc < 4) {
#ifdef EARSHOT_WASM3
    fprintf(stderr, "usage: %s BUNDLE.js MODEL SAMPLES_S16 1|0(trace) SETTINGS 1|0(natives) 1|0(stats) KERNELS.wasm\n", argv[0]);
#else
    fprintf(stderr, "usage: %s BUNDLE.js MODEL SAMPLES_S16 [1=trace] [SETTINGS] [0=no natives] [1=heap stats]\n", argv[0]);
#endif
    return 2;
  }
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  size_t bundleLen, modelLen;
  char *bundle = slurp(argv[1], &bundleLen);
  char *model = slurp(argv[2], &modelLen);
  audio = fopen(argv[3], "rb");
  if (!bundle || !model || !audio) {
    fprintf(stderr, HOST_NAME ": cannot read an input file\n");
    return 2;
  }
  int trace = argc > 4 && strcmp(argv[4], "1") == 0;
  const char *settings = argc > 5 ? argv[5] : "";
  int natives = !(argc > 6 && strcmp(argv[6], "0") == 0);
  int stats = argc > 7 && strcmp(argv[7], "1") == 0;
#ifdef EARSHOT_WASM3
  char why[256];
  if (argc < 9 || es_wasm3_load(argv[8], why, sizeof why) != 0) {
    fprintf(stderr, "earshot-wasm3: %s\n", argc < 9 ? "missing the kernels .wasm argument" : why);
    return 2;
  }
#endif

  jerry_init(JERRY_INIT_EMPTY);
  jerry_arraybuffer_allocator(ab_alloc, ab_free, NULL);
  jv global = jerry_current_realm();
  set_fn(global, "print", n_print);
  if (natives) {
    jv nat = jerry_object();
    for (int i = 0; NATIVES[i].name; i++) set_fn(nat, NATIVES[i].name, NATIVES[i].fn);
    /* The steps a program may run, by id (runProgram), and the handlers they call. */
    jv names = jerry_array(N_PROGRAM_STEPS);
    for (uint32_t i = 0; i < N_PROGRAM_STEPS; i++) {
      for (int j = 0; NATIVES[j].name; j++)
        if (strcmp(NATIVES[j].name, PROGRAM_STEPS[i]) == 0) step_fn[i] = NATIVES[j].fn;
      jv name = jerry_string_sz(PROGRAM_STEPS[i]);
      jerry_value_free(jerry_object_set_index(names, i, name));
      jerry_value_free(name);
    }
    set_value(nat, "programSteps", names);
    set_value(nat, "impl", jerry_string_sz(KERNELS_IMPL));
    set_value(nat, "frontEndImpl", jerry_string_sz("c-jerryscript"));
    set_value(nat, "narrowConstants", jerry_boolean(true));
    set_value(nat, "narrowActivations", jerry_boolean(true));
    set_value(global, "EarshotNative", nat);
  }
  jv input = jerry_object();
  /* The model stays in C memory (a board's flash): an external buffer, not heap bytes. */
  jv buf = jerry_arraybuffer_external((uint8_t *)model, (jerry_length_t)modelLen, &EXTERNAL_TAG);
  set_value(input, "model", jerry_typedarray_with_buffer(JERRY_TYPEDARRAY_UINT8, buf));
  jerry_value_free(buf);
  set_fn(input, "read", n_read);
  set_value(input, "memory", jerry_string_sz("typed"));
  set_value(input, "exact", jerry_boolean(true));
  set_value(input, "trace", jerry_boolean(trace));
  set_value(input, "settings", jerry_string_sz(settings));
  set_value(global, "EARSHOT_INPUT", input);
  jerry_value_free(global);

  int rc = 0;
  jv script = jerry_parse((const jerry_char_t *)bundle, bundleLen, NULL);
  jv ret = jerry_value_is_exception(script) ? jerry_value_copy(script) : jerry_run(script);
  if (jerry_value_is_exception(ret)) {
    report(ret);
    rc = 1;
  }
  jerry_value_free(ret);
  jerry_value_free(script);
  if (stats) {
    jerry_heap_stats_t hs;
    memset(&hs, 0, sizeof hs);
    size_t widening = wideOutCap;
    for (int i = 0; i < MAX_SLOTS; i++) widening += wideCap[i];
    unsigned long outside = (unsigned long)(widening * sizeof(int32_t) + (size_t)n_fixed * sizeof(fixed_params));
    unsigned long linear = 0;
#ifdef EARSHOT_WASM3
    linear = es_wasm3_memory_bytes();
#endif
    if (jerry_heap_stats(&hs))
      printf("M %lu %lu %lu\n", (unsigned long)hs.peak_allocated_bytes + linear, (unsigned long)hs.size,
             outside + linear);
  }
  fflush(stdout);
  free_keys();
  free_programs();
  free_fixed();
  jerry_cleanup();
  free(bundle);
  free(model);
  fclose(audio);
  return rc;
}
