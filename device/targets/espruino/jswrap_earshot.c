/*
 * earshot's C kernels (../c-kernels) as an Espruino library: `require("earshot")` returns an
 * object whose functions have the Duktape host's EarshotNative signatures (device/targets/es5/
 * native.ts), so the ES5 runtime registers them through the same kernel-call indirection.
 * deploy/engines.sh copies this file and the kernels into libs/earshot/ of an Espruino tree and
 * builds it with ESPRUINO_WRAPPERSOURCES (scripts/build_jswrapper.py reads the JSON comments).
 *
 * Tensors are typed arrays (Int32Array for integers and packed bits, Float64Array for float
 * features). An ArrayBuffer big enough to be a flat string (the arena, most constants) is read
 * and written in place; a small one stored in chunks is copied into a temporary flat string and
 * the output copied back. Every function checks array types and lengths against the geometry
 * and throws instead of touching memory it should not; Espruino's exceptions do not unwind C,
 * so each check returns early.
 */
#include "jswrap_earshot.h"

#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "jsinteractive.h"
#include "jsparse.h"
#include "jsvar.h"
#include "jsvariterator.h"
#include "kernels.h"

/*JSON{
  "type" : "library",
  "class" : "earshot"
}
earshot's integer kernels and audio front end in C, over typed arrays.
*/

/*JSON{
  "type" : "staticproperty",
  "class" : "earshot",
  "name" : "impl",
  "generate" : "jswrap_earshot_impl",
  "return" : ["JsVar","the implementation's name in earshot's serving table"]
}
*/
JsVar *jswrap_earshot_impl(void) { return jsvNewFromString("c-espruino"); }

/*JSON{
  "type" : "staticproperty",
  "class" : "earshot",
  "name" : "minStoreBytes",
  "generate" : "jswrap_earshot_min_store_bytes",
  "return" : ["int","bytes below which a typed array should get a longer store"]
}
*/
/* An ArrayBuffer longer than JSV_FLAT_STRING_BREAK_EVEN (22 bytes on a board, 42 on 64-bit
 * Linux) is one flat block the kernels read in place; a shorter one spanning two variables is
 * chunked, and `arg` would copy it on every call. The runtime gives small arrays this much. */
_Static_assert(JSV_FLAT_STRING_BREAK_EVEN < 64, "minStoreBytes must exceed the flat-string break-even");
int jswrap_earshot_min_store_bytes(void) { return 64; }

/* Measurement hook for bench:device: under valgrind --tool=callgrind --instr-atstart=no, the
 * count starts here (the model loaded, the stream about to begin); elsewhere it does nothing. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define ES_HAVE_CALLGRIND 1
#endif
#endif

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "countFromHere",
  "generate" : "jswrap_earshot_count_from_here",
  "return" : ["bool","whether the build has the callgrind hook"]
}
Starts callgrind's instruction count (bench:device); a no-op outside callgrind.
*/
bool jswrap_earshot_count_from_here(void) {
#ifdef ES_HAVE_CALLGRIND
  CALLGRIND_ZERO_STATS;
  CALLGRIND_START_INSTRUMENTATION;
  return true;
#else
  return false;
#endif
}

#define ES_MAX_ARGS 8
enum { ES_I32 = 4, ES_F64 = 8 };

typedef struct {
  JsVar *view; /* the caller's typed array (not locked again) */
  JsVar *tmp;  /* flat copy of a chunked array, or 0 */
  char *heap;  /* or that copy on the C heap, when no flat string was free; or 0 */
  char *p;
  size_t bytes;
} es_arg;

typedef struct {
  es_arg a[ES_MAX_ARGS];
  int n;
  int ok;
} es_args;

static void args_init(es_args *as) {
  as->n = 0;
  as->ok = 1;
}

static void fail(es_args *as, JsExceptionType type, const char *msg, int arg) {
  if (as->ok) jsExceptionHere(type, "earshot: argument %d: %s", arg, msg);
  as->ok = 0;
}

/* Bytes between a chunked typed array and a flat buffer (toFlat: read, else write back). */
static void copy_chunked(JsVar *view, char *flat, size_t bytes, int toFlat) {
  uint32_t off = 0;
  JsVar *s = jsvGetArrayBufferBackingString(view, &off);
  JsvStringIterator it;
  jsvStringIteratorNew(&it, s, off);
  for (size_t i = 0; i < bytes; i++) {
    if (toFlat) flat[i] = jsvStringIteratorGetCharAndNext(&it);
    else jsvStringIteratorSetCharAndNext(&it, flat[i]);
  }
  jsvStringIteratorFree(&it);
  jsvUnLock(s);
}

/* A chunked array's bytes copied into a flat buffer: a flat string, or (when the variables are
 * too fragmented for one, even after Espruino's garbage collection) the C heap. */
static char *copy_to_flat(es_args *as, es_arg *a, int idx) {
  a->tmp = jsvNewFlatStringOfLength((unsigned int)(a->bytes ? a->bytes : 1));
  if (a->tmp) a->p = jsvGetFlatStringPointer(a->tmp);
  else if ((a->heap = malloc(a->bytes ? a->bytes : 1))) a->p = a->heap;
  else {
    fail(as, JSET_ERROR, "out of memory copying a chunked array", idx);
    return 0;
  }
  copy_chunked(a->view, a->p, a->bytes, 1);
  return a->p;
}

/* The data of typed array `v` (argument `idx`) holding at least `need` elements of `kind`. */
static void *arg(es_args *as, JsVar *v, int idx, int kind, size_t need) {
  if (!as->ok) return 0;
  if (as->n >= ES_MAX_ARGS) {
    fail(as, JSET_INTERNALERROR, "too many arrays", idx);
    return 0;
  }
  if (!jsvIsArrayBuffer(v) || v->varData.arraybuffer.type == ARRAYBUFFERVIEW_ARRAYBUFFER) {
    fail(as, JSET_TYPEERROR, kind == ES_I32 ? "expected an Int32Array" : "expected a Float64Array", idx);
    return 0;
  }
  JsVarDataArrayBufferViewType t = v->varData.arraybuffer.type;
  int isFloat = (t & ARRAYBUFFERVIEW_FLOAT) != 0;
  if ((int)JSV_ARRAYBUFFER_GET_SIZE(t) != kind || isFloat != (kind == ES_F64)) {
    fail(as, JSET_TYPEERROR, kind == ES_I32 ? "expected an Int32Array" : "expected a Float64Array", idx);
    return 0;
  }
  size_t n = jsvGetArrayBufferLength(v);
  if (n < need) {
    fail(as, JSET_ERROR, "array shorter than the geometry needs", idx);
    return 0;
  }
  es_arg *a = &as->a[as->n++];
  a->view = v;
  a->tmp = 0;
  a->heap = 0;
  a->bytes = n * (size_t)kind;
  size_t len = 0;
  a->p = jsvGetDataPointer(v, &len);
  if (a->p) return a->p;
  return copy_to_flat(as, a, idx);
}

/* Writes back the output (if it was copied) and frees the copies. */
static void args_done(es_args *as, void *out) {
  for (int i = 0; i < as->n; i++) {
    es_arg *a = &as->a[i];
    if (!a->tmp && !a->heap) continue;
    if (as->ok && a->p == (char *)out) copy_chunked(a->view, a->p, a->bytes, 0);
    if (a->tmp) jsvUnLock(a->tmp);
    free(a->heap);
  }
  as->n = 0;
}

/* obj[key] as an int32; a missing or non-numeric field fails. */
static int32_t prop_int(es_args *as, JsVar *obj, const char *key, int idx) {
  if (!as->ok) return 0;
  if (!jsvIsObject(obj)) {
    fail(as, JSET_TYPEERROR, "expected an object", idx);
    return 0;
  }
  JsVar *v = jsvObjectGetChildIfExists(obj, key);
  if (!jsvIsNumeric(v)) {
    jsvUnLock(v);
    if (as->ok) jsExceptionHere(JSET_TYPEERROR, "earshot: argument %d: field '%s' is not a number", idx, key);
    as->ok = 0;
    return 0;
  }
  int32_t r = (int32_t)jsvGetInteger(v);
  jsvUnLock(v);
  return r;
}

static void read_geom(es_args *as, JsVar *o, int idx, es_geom *g) {
  g->inH = prop_int(as, o, "inH", idx);
  g->inW = prop_int(as, o, "inW", idx);
  g->inC = prop_int(as, o, "inC", idx);
  g->outH = prop_int(as, o, "outH", idx);
  g->outW = prop_int(as, o, "outW", idx);
  g->outC = prop_int(as, o, "outC", idx);
  g->kH = prop_int(as, o, "kH", idx);
  g->kW = prop_int(as, o, "kW", idx);
  g->strideH = prop_int(as, o, "strideH", idx);
  g->strideW = prop_int(as, o, "strideW", idx);
  g->padTop = prop_int(as, o, "padTop", idx);
  g->padLeft = prop_int(as, o, "padLeft", idx);
  if (as->ok && (g->inH < 0 || g->inW < 0 || g->inC < 1 || g->outH < 0 || g->outW < 0 || g->outC < 1 ||
                 g->kH < 1 || g->kW < 1 || g->strideH < 1 || g->strideW < 1 || g->inH > 65536 ||
                 g->inW > 65536 || g->inC > 65536 || g->outC > 65536))
    fail(as, JSET_ERROR, "bad geometry", idx);
}

static void read_requant(es_args *as, JsVar *o, int idx, es_requant *q) {
  q->inZp = prop_int(as, o, "inZp", idx);
  q->outZp = prop_int(as, o, "outZp", idx);
  q->actMin = prop_int(as, o, "actMin", idx);
  q->actMax = prop_int(as, o, "actMax", idx);
}

static void check_shifts(es_args *as, const int32_t *shift, int32_t n, int32_t lo, int idx) {
  if (!as->ok) return;
  for (int32_t i = 0; i < n; i++)
    if (shift[i] < lo || shift[i] > 62) {
      fail(as, JSET_ERROR, "shift out of range", idx);
      return;
    }
}

#define PIX(g) ((size_t)(g).inH * (g).inW)
#define OPIX(g) ((size_t)(g).outH * (g).outW)
#define WORDS(c) ((size_t)(((c) + 31) / 32))

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "conv2d",
  "generate" : "jswrap_earshot_conv2d",
  "params" : [
    ["args", "JsVarArray", "(x, w, bias, mult, shift, geom, q, out)"]
  ]
}
int8 convolution with per-channel requantization.
*/
static void conv_like(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift, JsVar *geom,
                      JsVar *q, JsVar *out, int kind) {
  es_args as;
  args_init(&as);
  es_geom g = {0};
  es_requant r;
  read_geom(&as, geom, 5, &g);
  read_requant(&as, q, 6, &r);
  if (as.ok && kind == 1 && g.outC % g.inC != 0) fail(&as, JSET_ERROR, "depth multiplier not whole", 5);
  size_t inWords = kind == 2 ? WORDS(g.inC) : (size_t)g.inC;
  size_t wLen = kind == 1 ? (size_t)g.kH * g.kW * g.outC : (size_t)g.outC * g.kH * g.kW * inWords;
  int32_t *px = arg(&as, x, 0, ES_I32, PIX(g) * inWords);
  int32_t *pw = arg(&as, w, 1, ES_I32, wLen);
  int32_t *pb = arg(&as, bias, 2, ES_I32, (size_t)g.outC);
  int32_t *pm = arg(&as, mult, 3, ES_I32, (size_t)g.outC);
  int32_t *ps = arg(&as, shift, 4, ES_I32, (size_t)g.outC);
  int32_t *po = arg(&as, out, 7, ES_I32, OPIX(g) * g.outC);
  check_shifts(&as, ps, g.outC, 17, 4);
  if (as.ok) {
    if (kind == 0) es_conv2d(px, pw, pb, pm, ps, &g, &r, po);
    else if (kind == 1) es_depthwise_conv2d(px, pw, pb, pm, ps, &g, &r, po);
    else es_binary_conv2d_int(px, pw, pb, pm, ps, &g, &r, po);
  }
  args_done(&as, po);
}

static void jswrap_earshot_conv2d_impl(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift, JsVar *geom,
                           JsVar *q, JsVar *out) {
  conv_like(x, w, bias, mult, shift, geom, q, out, 0);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "depthwiseConv2d",
  "generate" : "jswrap_earshot_depthwise_conv2d",
  "params" : [
    ["args", "JsVarArray", "(x, w, bias, mult, shift, geom, q, out)"]
  ]
}
int8 depthwise convolution.
*/
static void jswrap_earshot_depthwise_conv2d_impl(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift,
                                     JsVar *geom, JsVar *q, JsVar *out) {
  conv_like(x, w, bias, mult, shift, geom, q, out, 1);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "binaryConv2dInt",
  "generate" : "jswrap_earshot_binary_conv2d_int",
  "params" : [
    ["args", "JsVarArray", "(x, w, bias, mult, shift, geom, q, out)"]
  ]
}
XNOR-popcount convolution with an integer output.
*/
static void jswrap_earshot_binary_conv2d_int_impl(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift,
                                      JsVar *geom, JsVar *q, JsVar *out) {
  conv_like(x, w, bias, mult, shift, geom, q, out, 2);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "dense",
  "generate" : "jswrap_earshot_dense",
  "params" : [
    ["args", "JsVarArray", "(x, w, bias, mult, shift, shape, q, out)"]
  ]
}
int8 fully connected layer.
*/
static void dense_like(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift, JsVar *shape,
                       JsVar *q, JsVar *out, int binary) {
  es_args as;
  args_init(&as);
  es_requant r;
  int32_t inN = prop_int(&as, shape, "inN", 5), outN = prop_int(&as, shape, "outN", 5);
  read_requant(&as, q, 6, &r);
  if (as.ok && (inN < 1 || outN < 1 || inN > (1 << 24) || outN > 65536)) fail(&as, JSET_ERROR, "bad dense shape", 5);
  size_t inW = binary ? WORDS(inN) : (size_t)inN;
  int32_t *px = arg(&as, x, 0, ES_I32, inW);
  int32_t *pw = arg(&as, w, 1, ES_I32, inW * (size_t)outN);
  int32_t *pb = arg(&as, bias, 2, ES_I32, (size_t)outN);
  int32_t *pm = arg(&as, mult, 3, ES_I32, (size_t)outN);
  int32_t *ps = arg(&as, shift, 4, ES_I32, (size_t)outN);
  int32_t *po = arg(&as, out, 7, ES_I32, (size_t)outN);
  check_shifts(&as, ps, outN, 17, 4);
  if (as.ok) {
    if (binary) es_binary_dense_int(px, pw, pb, pm, ps, inN, outN, &r, po);
    else es_dense(px, pw, pb, pm, ps, inN, outN, &r, po);
  }
  args_done(&as, po);
}

static void jswrap_earshot_dense_impl(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift, JsVar *shape,
                          JsVar *q, JsVar *out) {
  dense_like(x, w, bias, mult, shift, shape, q, out, 0);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "binaryDenseInt",
  "generate" : "jswrap_earshot_binary_dense_int",
  "params" : [
    ["args", "JsVarArray", "(x, w, bias, mult, shift, shape, q, out)"]
  ]
}
XNOR-popcount fully connected layer with an integer output.
*/
static void jswrap_earshot_binary_dense_int_impl(JsVar *x, JsVar *w, JsVar *bias, JsVar *mult, JsVar *shift,
                                     JsVar *shape, JsVar *q, JsVar *out) {
  dense_like(x, w, bias, mult, shift, shape, q, out, 1);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "binaryConv2d",
  "generate" : "jswrap_earshot_binary_conv2d",
  "params" : [
    ["args", "JsVarArray", "(x, w, thr, dir, geom, out)"]
  ]
}
XNOR-popcount convolution with a binary output.
*/
static void jswrap_earshot_binary_conv2d_impl(JsVar *x, JsVar *w, JsVar *thr, JsVar *dir, JsVar *geom, JsVar *out) {
  es_args as;
  args_init(&as);
  es_geom g = {0};
  read_geom(&as, geom, 4, &g);
  int32_t *px = arg(&as, x, 0, ES_I32, PIX(g) * WORDS(g.inC));
  int32_t *pw = arg(&as, w, 1, ES_I32, (size_t)g.outC * g.kH * g.kW * WORDS(g.inC));
  int32_t *pt = arg(&as, thr, 2, ES_I32, (size_t)g.outC);
  int32_t *pd = arg(&as, dir, 3, ES_I32, (size_t)g.outC);
  int32_t *po = arg(&as, out, 5, ES_I32, OPIX(g) * WORDS(g.outC));
  if (as.ok) es_binary_conv2d(px, pw, pt, pd, &g, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "binaryDense",
  "generate" : "jswrap_earshot_binary_dense",
  "params" : [
    ["args", "JsVarArray", "(x, w, thr, dir, shape, out)"]
  ]
}
XNOR-popcount fully connected layer with a binary output.
*/
static void jswrap_earshot_binary_dense_impl(JsVar *x, JsVar *w, JsVar *thr, JsVar *dir, JsVar *shape, JsVar *out) {
  es_args as;
  args_init(&as);
  int32_t inN = prop_int(&as, shape, "inN", 4), outN = prop_int(&as, shape, "outN", 4);
  if (as.ok && (inN < 1 || outN < 1 || inN > (1 << 24) || outN > 65536)) fail(&as, JSET_ERROR, "bad dense shape", 4);
  int32_t *px = arg(&as, x, 0, ES_I32, WORDS(inN));
  int32_t *pw = arg(&as, w, 1, ES_I32, (size_t)outN * WORDS(inN));
  int32_t *pt = arg(&as, thr, 2, ES_I32, (size_t)outN);
  int32_t *pd = arg(&as, dir, 3, ES_I32, (size_t)outN);
  int32_t *po = arg(&as, out, 5, ES_I32, WORDS(outN));
  if (as.ok) es_binary_dense(px, pw, pt, pd, inN, outN, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "binarize",
  "generate" : "jswrap_earshot_binarize",
  "params" : [
    ["args", "JsVarArray", "(x, thr, dir, pixels, ch, out)"]
  ]
}
Thresholds int activations into packed bits.
*/
static void jswrap_earshot_binarize_impl(JsVar *x, JsVar *thr, JsVar *dir, int pixels, int ch, JsVar *out) {
  es_args as;
  args_init(&as);
  if (pixels < 0 || ch < 1 || pixels > (1 << 24) || ch > 65536) fail(&as, JSET_ERROR, "bad shape", 3);
  int32_t *px = arg(&as, x, 0, ES_I32, (size_t)pixels * ch);
  int32_t *pt = arg(&as, thr, 1, ES_I32, (size_t)ch);
  int32_t *pd = arg(&as, dir, 2, ES_I32, (size_t)ch);
  int32_t *po = arg(&as, out, 5, ES_I32, (size_t)pixels * WORDS(ch));
  if (as.ok) es_binarize(px, pt, pd, pixels, ch, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "avgPool2d",
  "generate" : "jswrap_earshot_avg_pool2d",
  "params" : [
    ["x","JsVar","input"],
    ["geom","JsVar","geometry"],
    ["act","JsVar","{actMin, actMax}"],
    ["out","JsVar","output"]
  ]
}
Average pooling.
*/
static void pool(JsVar *x, JsVar *geom, JsVar *act, JsVar *out, int isMax) {
  es_args as;
  args_init(&as);
  es_geom g = {0};
  read_geom(&as, geom, 1, &g);
  int32_t lo = prop_int(&as, act, "actMin", 2), hi = prop_int(&as, act, "actMax", 2);
  int32_t *px = arg(&as, x, 0, ES_I32, PIX(g) * g.inC);
  int32_t *po = arg(&as, out, 3, ES_I32, OPIX(g) * g.inC);
  if (as.ok) (isMax ? es_max_pool2d : es_avg_pool2d)(px, &g, lo, hi, po);
  args_done(&as, po);
}

void jswrap_earshot_avg_pool2d(JsVar *x, JsVar *geom, JsVar *act, JsVar *out) { pool(x, geom, act, out, 0); }

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "maxPool2d",
  "generate" : "jswrap_earshot_max_pool2d",
  "params" : [
    ["x","JsVar","input"],
    ["geom","JsVar","geometry"],
    ["act","JsVar","{actMin, actMax}"],
    ["out","JsVar","output"]
  ]
}
Max pooling.
*/
void jswrap_earshot_max_pool2d(JsVar *x, JsVar *geom, JsVar *act, JsVar *out) { pool(x, geom, act, out, 1); }

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "globalAvgPool",
  "generate" : "jswrap_earshot_global_avg_pool",
  "params" : [
    ["args", "JsVarArray", "(x, h, w, ch, act, out)"]
  ]
}
Global average pooling.
*/
static void global_pool(JsVar *x, int h, int w, int ch, JsVar *act, JsVar *out, int isMax) {
  es_args as;
  args_init(&as);
  int32_t lo = prop_int(&as, act, "actMin", 4), hi = prop_int(&as, act, "actMax", 4);
  if (h < 0 || w < 0 || ch < 0 || h > 65536 || w > 65536 || ch > 65536) fail(&as, JSET_ERROR, "bad shape", 1);
  int32_t *px = arg(&as, x, 0, ES_I32, (size_t)h * w * ch);
  int32_t *po = arg(&as, out, 5, ES_I32, (size_t)ch);
  if (as.ok) (isMax ? es_global_max_pool : es_global_avg_pool)(px, h, w, ch, lo, hi, po);
  args_done(&as, po);
}

static void jswrap_earshot_global_avg_pool_impl(JsVar *x, int h, int w, int ch, JsVar *act, JsVar *out) {
  global_pool(x, h, w, ch, act, out, 0);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "globalMaxPool",
  "generate" : "jswrap_earshot_global_max_pool",
  "params" : [
    ["args", "JsVarArray", "(x, h, w, ch, act, out)"]
  ]
}
Global max pooling.
*/
static void jswrap_earshot_global_max_pool_impl(JsVar *x, int h, int w, int ch, JsVar *act, JsVar *out) {
  global_pool(x, h, w, ch, act, out, 1);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "tflmRequantize",
  "generate" : "jswrap_earshot_tflm_requantize",
  "params" : [
    ["args", "JsVarArray", "(x, mult, shift, n, ch, q, out)"]
  ]
}
TFLite-style requantization.
*/
static void jswrap_earshot_tflm_requantize_impl(JsVar *x, JsVar *mult, JsVar *shift, int n, int ch, JsVar *q, JsVar *out) {
  es_args as;
  args_init(&as);
  es_requant r;
  read_requant(&as, q, 5, &r);
  if (as.ok && (n < 0 || ch < 1 || n % ch != 0 || n > (1 << 24))) fail(&as, JSET_ERROR, "bad requantize shape", 3);
  int32_t *px = arg(&as, x, 0, ES_I32, (size_t)n);
  int32_t *pm = arg(&as, mult, 1, ES_I32, (size_t)ch);
  int32_t *ps = arg(&as, shift, 2, ES_I32, (size_t)ch);
  int32_t *po = arg(&as, out, 6, ES_I32, (size_t)n);
  check_shifts(&as, ps, ch, 26, 2);
  if (as.ok) es_tflm_requantize(px, pm, ps, n, ch, &r, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "add",
  "generate" : "jswrap_earshot_add",
  "params" : [
    ["a","JsVar","first input"],
    ["b","JsVar","second input"],
    ["p","JsVar","add parameters"],
    ["out","JsVar","output"]
  ]
}
Quantized elementwise add.
*/
void jswrap_earshot_add(JsVar *a, JsVar *b, JsVar *p, JsVar *out) {
  es_args as;
  args_init(&as);
  es_add k;
  k.n = prop_int(&as, p, "n", 2);
  k.aZp = prop_int(&as, p, "aZp", 2);
  k.bZp = prop_int(&as, p, "bZp", 2);
  k.outZp = prop_int(&as, p, "outZp", 2);
  k.leftShift = prop_int(&as, p, "leftShift", 2);
  k.aMult = prop_int(&as, p, "aMult", 2);
  k.aShift = prop_int(&as, p, "aShift", 2);
  k.bMult = prop_int(&as, p, "bMult", 2);
  k.bShift = prop_int(&as, p, "bShift", 2);
  k.outMult = prop_int(&as, p, "outMult", 2);
  k.outShift = prop_int(&as, p, "outShift", 2);
  k.actMin = prop_int(&as, p, "actMin", 2);
  k.actMax = prop_int(&as, p, "actMax", 2);
  if (as.ok && (k.n < 0 || k.leftShift < 0 || k.leftShift > 30)) fail(&as, JSET_ERROR, "bad add params", 2);
  int32_t sh[3] = {k.aShift, k.bShift, k.outShift};
  check_shifts(&as, sh, 3, 17, 2);
  int32_t *pa = arg(&as, a, 0, ES_I32, (size_t)k.n);
  int32_t *pb = arg(&as, b, 1, ES_I32, (size_t)k.n);
  int32_t *po = arg(&as, out, 3, ES_I32, (size_t)k.n);
  if (as.ok) es_add_q(pa, pb, &k, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "quantize",
  "generate" : "jswrap_earshot_quantize",
  "params" : [
    ["x","JsVar","features (Float64Array)"],
    ["p","JsVar","{n, scale, zeroPoint, actMin, actMax}"],
    ["out","JsVar","output"]
  ]
}
Quantizes float features.
*/
void jswrap_earshot_quantize(JsVar *x, JsVar *p, JsVar *out) {
  es_args as;
  args_init(&as);
  int32_t n = prop_int(&as, p, "n", 1), zp = prop_int(&as, p, "zeroPoint", 1);
  int32_t lo = prop_int(&as, p, "actMin", 1), hi = prop_int(&as, p, "actMax", 1);
  double scale = 0;
  if (as.ok) {
    JsVar *s = jsvObjectGetChildIfExists(p, "scale");
    if (!jsvIsNumeric(s)) fail(&as, JSET_TYPEERROR, "field 'scale' is not a number", 1);
    else scale = jsvGetFloat(s);
    jsvUnLock(s);
  }
  if (as.ok && n < 0) fail(&as, JSET_ERROR, "bad length", 1);
  double *px = arg(&as, x, 0, ES_F64, (size_t)n);
  int32_t *po = arg(&as, out, 2, ES_I32, (size_t)n);
  if (as.ok) es_quantize(px, n, scale, zp, lo, hi, po);
  args_done(&as, po);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "softmax",
  "generate" : "jswrap_earshot_softmax",
  "params" : [
    ["x","JsVar","input"],
    ["lut","JsVar","exp table (Int32Array)"],
    ["n","int","values"],
    ["out","JsVar","output"]
  ]
}
Integer softmax through a table.
*/
void jswrap_earshot_softmax(JsVar *x, JsVar *lut, int n, JsVar *out) {
  es_args as;
  args_init(&as);
  if (n < 1) fail(&as, JSET_ERROR, "bad length", 2);
  int32_t *pl = arg(&as, lut, 1, ES_I32, 1);
  int32_t lutLen = as.ok ? (int32_t)(as.a[as.n - 1].bytes / 4) : 0;
  int32_t *px = arg(&as, x, 0, ES_I32, (size_t)n);
  int32_t *po = arg(&as, out, 3, ES_I32, (size_t)n);
  if (as.ok) es_softmax(px, pl, lutLen, n, po);
  args_done(&as, po);
}

/* ---- front end: tables built in C from the JS FrontEnd's configuration, frames computed in C ---- */

#define ES_MAX_FRONTENDS 4
static es_frontend frontends[ES_MAX_FRONTENDS];
static int n_frontends;

/* obj[key] as a double; a missing or non-numeric field fails. */
static double prop_num(es_args *as, JsVar *obj, const char *key) {
  if (!as->ok) return 0;
  JsVar *v = jsvIsObject(obj) ? jsvObjectGetChildIfExists(obj, key) : 0;
  if (!jsvIsNumeric(v)) {
    jsvUnLock(v);
    if (as->ok) jsExceptionHere(JSET_TYPEERROR, "earshot: frontEndInit: field '%s' is not a number", key);
    as->ok = 0;
    return 0;
  }
  double r = jsvGetFloat(v);
  jsvUnLock(v);
  return r;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "frontEndInit",
  "generate" : "jswrap_earshot_frontend_init",
  "params" : [
    ["frontEnd","JsVar","a shared/features FrontEnd"]
  ],
  "return" : ["int","a handle for frontEndFrame"]
}
Builds the tables of a FrontEnd from its configuration (es_frontend_build); frames are then
computed in C.
*/
int jswrap_earshot_frontend_init(JsVar *fe) {
  es_args as;
  args_init(&as);
  if (n_frontends >= ES_MAX_FRONTENDS) {
    fail(&as, JSET_ERROR, "too many front ends", 0);
    return -1;
  }
  es_frontend_config k;
  k.win = prop_int(&as, fe, "windowLength", 0);
  k.hop = prop_int(&as, fe, "hopLength", 0);
  k.coeffs = prop_int(&as, fe, "coeffs", 0);
  JsVar *cfg = jsvIsObject(fe) ? jsvObjectGetChildIfExists(fe, "config") : 0;
  k.sampleRate = prop_int(&as, cfg, "sampleRate", 0);
  k.fftSize = prop_int(&as, cfg, "fftSize", 0);
  k.nMels = prop_int(&as, cfg, "nMels", 0);
  k.fMin = prop_num(&as, cfg, "fMin");
  k.fMax = prop_num(&as, cfg, "fMax");
  k.logFloor = prop_num(&as, cfg, "logFloor");
  k.lfbe = 0;
  if (as.ok) {
    JsVar *kind = jsvObjectGetChildIfExists(cfg, "kind");
    if (!jsvIsString(kind)) fail(&as, JSET_TYPEERROR, "bad front-end config", 0);
    else k.lfbe = jsvIsStringEqual(kind, "lfbe");
    jsvUnLock(kind);
  }
  jsvUnLock(cfg);
  if (!as.ok) return -1;
  const char *problem = es_frontend_build(&frontends[n_frontends], &k);
  if (problem != NULL) {
    fail(&as, JSET_ERROR, problem, 0);
    return -1; /* the slot is reused by the next init */
  }
  return n_frontends++;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "frontEndFrame",
  "generate" : "jswrap_earshot_frontend_frame",
  "params" : [
    ["args", "JsVarArray", "(handle, src, srcOffset, out, outOffset)"]
  ]
}
Features of one frame.
*/
static void jswrap_earshot_frontend_frame_impl(int h, JsVar *src, int so, JsVar *out, int oo) {
  es_args as;
  args_init(&as);
  if (h < 0 || h >= n_frontends) {
    fail(&as, JSET_ERROR, "bad front-end handle", 0);
    return;
  }
  es_frontend *f = &frontends[h];
  if (so < 0 || oo < 0) fail(&as, JSET_ERROR, "negative offset", 2);
  double *ps = arg(&as, src, 1, ES_F64, (size_t)so + f->win);
  double *po = arg(&as, out, 3, ES_F64, (size_t)oo + f->coeffs);
  if (as.ok) es_frontend_frame(f, ps + so, po + oo);
  args_done(&as, po);
}

/* The model's input quantizer per front end (frontEndQuantizer), for frontEndPushQuantized. */
static struct {
  int set;
  double scale;
  int32_t zeroPoint, actMin, actMax;
} fe_quant[ES_MAX_FRONTENDS];

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "frontEndQuantizer",
  "generate" : "jswrap_earshot_frontend_quantizer",
  "params" : [
    ["handle","int","a frontEndInit handle"],
    ["q","JsVar","the quantize kernel's parameters {scale, zeroPoint, actMin, actMax}"],
    ["mean","JsVar","optional: the model's input normalization, a Float64Array of the coefficients' means"],
    ["std","JsVar","optional: their standard deviations (Float64Array)"]
  ]
}
Sets the quantizer frontEndPushQuantized applies, and the input normalization applied to each
frame before it.
*/
void jswrap_earshot_frontend_quantizer(int h, JsVar *q, JsVar *mean, JsVar *std) {
  es_args as;
  args_init(&as);
  if (h < 0 || h >= n_frontends) {
    fail(&as, JSET_ERROR, "bad front-end handle", 0);
    return;
  }
  int32_t zp = prop_int(&as, q, "zeroPoint", 1), lo = prop_int(&as, q, "actMin", 1), hi = prop_int(&as, q, "actMax", 1);
  double scale = 0;
  if (as.ok) {
    JsVar *s = jsvObjectGetChildIfExists(q, "scale");
    if (!jsvIsNumeric(s)) fail(&as, JSET_TYPEERROR, "field 'scale' is not a number", 1);
    else scale = jsvGetFloat(s);
    jsvUnLock(s);
  }
  const double *pm = NULL, *ps = NULL;
  if (as.ok && !jsvIsUndefined(mean)) {
    pm = arg(&as, mean, 2, ES_F64, (size_t)frontends[h].coeffs);
    ps = arg(&as, std, 3, ES_F64, (size_t)frontends[h].coeffs);
  }
  /* The arrays are copied out here, so their flat copies (if any) go right after. */
  if (as.ok && !es_frontend_set_norm(&frontends[h], pm, ps)) fail(&as, JSET_ERROR, "out of memory", 2);
  args_done(&as, NULL);
  if (!as.ok) return;
  fe_quant[h].scale = scale;
  fe_quant[h].zeroPoint = zp;
  fe_quant[h].actMin = lo;
  fe_quant[h].actMax = hi;
  fe_quant[h].set = 1;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "frontEndPushQuantized",
  "generate" : "jswrap_earshot_frontend_push_quantized",
  "params" : [
    ["args", "JsVarArray", "(handle, src, srcOffset, n, dst, slot)"]
  ],
  "return" : ["int","the frames made"]
}
Samples into the front end's own window; each full window's frame, quantized, into the Int32Array
dst at frame slot `slot`, `slot + 1`, ... (wrapping at its end).
*/
static int jswrap_earshot_frontend_push_quantized_impl(int h, JsVar *src, int so, int n, JsVar *dst, int slot) {
  es_args as;
  args_init(&as);
  if (h < 0 || h >= n_frontends || !fe_quant[h].set) {
    fail(&as, JSET_ERROR, "bad front-end handle (or no frontEndQuantizer)", 0);
    return 0;
  }
  es_frontend *f = &frontends[h];
  const int32_t coeffs = f->coeffs;
  if (so < 0 || n < 0) fail(&as, JSET_ERROR, "negative offset or count", 2);
  double *ps = arg(&as, src, 1, ES_F64, (size_t)so + (size_t)n);
  int32_t *pd = arg(&as, dst, 4, ES_I32, (size_t)coeffs);
  const int32_t slots = as.ok ? (int32_t)(jsvGetArrayBufferLength(dst) / (size_t)coeffs) : 0;
  if (as.ok && (slot < 0 || slot >= slots)) fail(&as, JSET_ERROR, "bad slot", 5);
  int32_t made = 0;
  /* coeffs <= nMels <= 512 (frontEndInit) */
  double feat[512];
  for (int32_t i = 0; as.ok && i < n;) {
    i += es_frontend_append(f, ps + so + i, n - i);
    if (f->fill < f->win) break;
    es_frontend_take_frame(f, feat);
    es_quantize(feat, coeffs, fe_quant[h].scale, fe_quant[h].zeroPoint, fe_quant[h].actMin, fe_quant[h].actMax,
                pd + (size_t)slot * (size_t)coeffs);
    slot = slot + 1 == slots ? 0 : slot + 1;
    made++;
  }
  args_done(&as, pd);
  return made;
}

/* ---- block copies for the stream stages ---- */

/* Element size of a typed array, or 0. */
static int elem_size(JsVar *v) {
  if (!jsvIsArrayBuffer(v) || v->varData.arraybuffer.type == ARRAYBUFFERVIEW_ARRAYBUFFER) return 0;
  return (int)JSV_ARRAYBUFFER_GET_SIZE(v->varData.arraybuffer.type);
}

/* The bytes of typed array v (any element type) as an es_arg; same rules as arg(). */
static char *raw(es_args *as, JsVar *v, int idx, size_t needBytes) {
  int e = elem_size(v);
  if (!as->ok) return 0;
  if (!e) {
    fail(as, JSET_TYPEERROR, "expected a typed array", idx);
    return 0;
  }
  size_t bytes = jsvGetArrayBufferLength(v) * (size_t)e;
  if (bytes < needBytes) {
    fail(as, JSET_ERROR, "range beyond the array", idx);
    return 0;
  }
  es_arg *a = &as->a[as->n++];
  a->view = v;
  a->tmp = 0;
  a->heap = 0;
  a->bytes = bytes;
  size_t len = 0;
  a->p = jsvGetDataPointer(v, &len);
  if (a->p) return a->p;
  return copy_to_flat(as, a, idx);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "copy",
  "generate" : "jswrap_earshot_copy",
  "params" : [
    ["args", "JsVarArray", "(src, srcOff, dst, dstOff, n)"]
  ]
}
memmove between typed arrays of one element type.
*/
static void jswrap_earshot_copy_impl(JsVar *src, int so, JsVar *dst, int dof, int n) {
  if (n == 0) return;
  es_args as;
  args_init(&as);
  int se = elem_size(src), de = elem_size(dst);
  if (!se || se != de || so < 0 || dof < 0 || n < 0) fail(&as, JSET_ERROR, "copy: bad ranges or element types", 0);
  char *ps = raw(&as, src, 0, ((size_t)so + n) * se);
  char *pd = raw(&as, dst, 2, ((size_t)dof + n) * de);
  if (as.ok) memmove(pd + (size_t)dof * de, ps + (size_t)so * se, (size_t)n * se);
  args_done(&as, pd);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "shift",
  "generate" : "jswrap_earshot_shift",
  "params" : [
    ["window","JsVar","a typed array"],
    ["n","int","its elements in use"],
    ["src","JsVar","a typed array of the same element type"],
    ["add","int","elements to take from src"]
  ]
}
window[0 .. n - add) = window[add .. n), then window[n - add .. n) = src[0 .. add).
*/
void jswrap_earshot_shift(JsVar *window, int n, JsVar *src, int add) {
  es_args as;
  args_init(&as);
  int we = elem_size(window), se = elem_size(src);
  if (!we || we != se || n < 0 || add < 0 || add > n) fail(&as, JSET_ERROR, "shift: bad counts or element types", 0);
  char *pw = raw(&as, window, 0, (size_t)n * (size_t)we);
  char *ps = raw(&as, src, 2, (size_t)add * (size_t)se);
  if (as.ok) {
    const size_t keep = (size_t)(n - add) * (size_t)we;
    memmove(pw, pw + (size_t)add * (size_t)we, keep);
    memmove(pw + keep, ps, (size_t)add * (size_t)we);
  }
  args_done(&as, pw);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "copyScaled",
  "generate" : "jswrap_earshot_copy_scaled",
  "params" : [
    ["args", "JsVarArray", "(src, srcOff, dst, dstOff, n, scale)"]
  ]
}
dst[dstOff + i] = src[srcOff + i] * scale.
*/
static void jswrap_earshot_copy_scaled_impl(JsVar *src, int so, JsVar *dst, int dof, int n, JsVarFloat scale) {
  if (n == 0) return;
  es_args as;
  args_init(&as);
  int se = elem_size(src);
  JsVarDataArrayBufferViewType st = jsvIsArrayBuffer(src) ? src->varData.arraybuffer.type : ARRAYBUFFERVIEW_ARRAYBUFFER;
  if (!(st == ARRAYBUFFERVIEW_INT16 || st == ARRAYBUFFERVIEW_INT32 || st == ARRAYBUFFERVIEW_FLOAT64) || so < 0 ||
      dof < 0 || n < 0)
    fail(&as, JSET_ERROR, "copyScaled: bad ranges or element types", 0);
  char *ps = raw(&as, src, 0, ((size_t)so + n) * (size_t)se);
  double *pd = arg(&as, dst, 2, ES_F64, (size_t)dof + n);
  if (as.ok) {
    double *d = pd + dof;
    if (se == 2) {
      const int16_t *s = (const int16_t *)ps + so;
      for (int i = 0; i < n; i++) d[i] = s[i] * scale;
    } else if (se == 4) {
      const int32_t *s = (const int32_t *)ps + so;
      for (int i = 0; i < n; i++) d[i] = s[i] * scale;
    } else {
      const double *s = (const double *)ps + so;
      for (int i = 0; i < n; i++) d[i] = s[i] * scale;
    }
  }
  args_done(&as, pd);
}

/* Espruino passes at most 4 typed arguments: longer signatures arrive as one argument array. */

void jswrap_earshot_conv2d(JsVar *args) {
  JsVar *a[8];
  for (int i = 0; i < 8; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_conv2d_impl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  for (int i = 0; i < 8; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_depthwise_conv2d(JsVar *args) {
  JsVar *a[8];
  for (int i = 0; i < 8; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_depthwise_conv2d_impl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  for (int i = 0; i < 8; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_binary_conv2d_int(JsVar *args) {
  JsVar *a[8];
  for (int i = 0; i < 8; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_binary_conv2d_int_impl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  for (int i = 0; i < 8; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_dense(JsVar *args) {
  JsVar *a[8];
  for (int i = 0; i < 8; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_dense_impl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  for (int i = 0; i < 8; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_binary_dense_int(JsVar *args) {
  JsVar *a[8];
  for (int i = 0; i < 8; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_binary_dense_int_impl(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  for (int i = 0; i < 8; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_binary_conv2d(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_binary_conv2d_impl(a[0], a[1], a[2], a[3], a[4], a[5]);
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_binary_dense(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_binary_dense_impl(a[0], a[1], a[2], a[3], a[4], a[5]);
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_binarize(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_binarize_impl(a[0], a[1], a[2], (int)jsvGetInteger(a[3]), (int)jsvGetInteger(a[4]), a[5]);
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_global_avg_pool(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_global_avg_pool_impl(a[0], (int)jsvGetInteger(a[1]), (int)jsvGetInteger(a[2]), (int)jsvGetInteger(a[3]), a[4], a[5]);
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_global_max_pool(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_global_max_pool_impl(a[0], (int)jsvGetInteger(a[1]), (int)jsvGetInteger(a[2]), (int)jsvGetInteger(a[3]), a[4], a[5]);
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_tflm_requantize(JsVar *args) {
  JsVar *a[7];
  for (int i = 0; i < 7; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_tflm_requantize_impl(a[0], a[1], a[2], (int)jsvGetInteger(a[3]), (int)jsvGetInteger(a[4]), a[5], a[6]);
  for (int i = 0; i < 7; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_frontend_frame(JsVar *args) {
  JsVar *a[5];
  for (int i = 0; i < 5; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_frontend_frame_impl((int)jsvGetInteger(a[0]), a[1], (int)jsvGetInteger(a[2]), a[3], (int)jsvGetInteger(a[4]));
  for (int i = 0; i < 5; i++) jsvUnLock(a[i]);
}

int jswrap_earshot_frontend_push_quantized(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  int made = jswrap_earshot_frontend_push_quantized_impl((int)jsvGetInteger(a[0]), a[1], (int)jsvGetInteger(a[2]),
                                                         (int)jsvGetInteger(a[3]), a[4], (int)jsvGetInteger(a[5]));
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
  return made;
}

void jswrap_earshot_copy(JsVar *args) {
  JsVar *a[5];
  for (int i = 0; i < 5; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_copy_impl(a[0], (int)jsvGetInteger(a[1]), a[2], (int)jsvGetInteger(a[3]), (int)jsvGetInteger(a[4]));
  for (int i = 0; i < 5; i++) jsvUnLock(a[i]);
}

void jswrap_earshot_copy_scaled(JsVar *args) {
  JsVar *a[6];
  for (int i = 0; i < 6; i++) a[i] = jsvGetArrayItem(args, i);
  jswrap_earshot_copy_scaled_impl(a[0], (int)jsvGetInteger(a[1]), a[2], (int)jsvGetInteger(a[3]), (int)jsvGetInteger(a[4]), jsvGetFloat(a[5]));
  for (int i = 0; i < 6; i++) jsvUnLock(a[i]);
}

/* Programs: a fixed sequence of the library's own calls (kernels, shift, copy) run by one call,
 * so a stride of streaming inference costs one trip through the interpreter instead of one per
 * kernel (runtime/memory.ts TensorMemory.program). runProgram(steps) takes the sequence as
 * [id, argumentList, id, argumentList, ...], each id an index into programSteps, and calls each
 * step's function with its list as the JS call would, so it checks and computes the same.
 * run_step's cases follow this list's order (test/kernels/op-table.test.ts keeps the list the
 * JerryScript host's; the engines' parity tests run every kind of step). */
static const char *const PROGRAM_STEPS[] = {"conv2d", "depthwiseConv2d", "dense", "avgPool2d", "maxPool2d",
                                            "globalAvgPool", "globalMaxPool", "tflmRequantize", "add",
                                            "binaryConv2d", "binaryConv2dInt", "binaryDense", "binaryDenseInt",
                                            "binarize", "quantize", "softmax", "shift", "copy", NULL};

/*JSON{
  "type" : "staticproperty",
  "class" : "earshot",
  "name" : "programSteps",
  "generate" : "jswrap_earshot_program_steps",
  "return" : ["JsVar","the names runProgram's step ids index"]
}
*/
JsVar *jswrap_earshot_program_steps(void) {
  JsVar *names = jsvNewEmptyArray();
  for (int i = 0; names && PROGRAM_STEPS[i]; i++) jsvArrayPushAndUnLock(names, jsvNewFromString(PROGRAM_STEPS[i]));
  return names;
}

/* A fixed-arity function's arguments from its list (a missing one reads as undefined). */
static void step_args(JsVar *list, JsVar **a, int n) {
  for (int i = 0; i < n; i++) a[i] = jsvGetArrayItem(list, i);
}
static void step_unlock(JsVar **a, int n) {
  for (int i = 0; i < n; i++) jsvUnLock(a[i]);
}

static void run_step(int id, JsVar *list) {
  JsVar *a[4];
  switch (id) {
    case 0: jswrap_earshot_conv2d(list); break;
    case 1: jswrap_earshot_depthwise_conv2d(list); break;
    case 2: jswrap_earshot_dense(list); break;
    case 3:
      step_args(list, a, 4);
      jswrap_earshot_avg_pool2d(a[0], a[1], a[2], a[3]);
      step_unlock(a, 4);
      break;
    case 4:
      step_args(list, a, 4);
      jswrap_earshot_max_pool2d(a[0], a[1], a[2], a[3]);
      step_unlock(a, 4);
      break;
    case 5: jswrap_earshot_global_avg_pool(list); break;
    case 6: jswrap_earshot_global_max_pool(list); break;
    case 7: jswrap_earshot_tflm_requantize(list); break;
    case 8:
      step_args(list, a, 4);
      jswrap_earshot_add(a[0], a[1], a[2], a[3]);
      step_unlock(a, 4);
      break;
    case 9: jswrap_earshot_binary_conv2d(list); break;
    case 10: jswrap_earshot_binary_conv2d_int(list); break;
    case 11: jswrap_earshot_binary_dense(list); break;
    case 12: jswrap_earshot_binary_dense_int(list); break;
    case 13: jswrap_earshot_binarize(list); break;
    case 14:
      step_args(list, a, 3);
      jswrap_earshot_quantize(a[0], a[1], a[2]);
      step_unlock(a, 3);
      break;
    case 15:
      step_args(list, a, 4);
      jswrap_earshot_softmax(a[0], a[1], (int)jsvGetInteger(a[2]), a[3]);
      step_unlock(a, 4);
      break;
    case 16:
      step_args(list, a, 4);
      jswrap_earshot_shift(a[0], (int)jsvGetInteger(a[1]), a[2], (int)jsvGetInteger(a[3]));
      step_unlock(a, 4);
      break;
    case 17: jswrap_earshot_copy(list); break;
    default: jsExceptionHere(JSET_ERROR, "runProgram: a step is not a known id with an argument list");
  }
}

/*JSON{
  "type" : "staticmethod",
  "class" : "earshot",
  "name" : "runProgram",
  "generate" : "jswrap_earshot_run_program",
  "params" : [
    ["steps","JsVar","[id, argumentList, id, argumentList, ...]"]
  ]
}
Runs each step in order; stops at the first that throws.
*/
void jswrap_earshot_run_program(JsVar *steps) {
  if (!jsvIsArray(steps)) {
    jsExceptionHere(JSET_ERROR, "runProgram: expected [id, argumentList, ...]");
    return;
  }
  JsvObjectIterator it;
  jsvObjectIteratorNew(&it, steps);
  while (jsvObjectIteratorHasValue(&it) && !jspHasError()) {
    JsVar *id = jsvObjectIteratorGetValue(&it);
    jsvObjectIteratorNext(&it);
    JsVar *list = jsvObjectIteratorHasValue(&it) ? jsvObjectIteratorGetValue(&it) : 0;
    jsvObjectIteratorNext(&it);
    if (!jsvIsInt(id) || !jsvIsArray(list)) jsExceptionHere(JSET_ERROR, "runProgram: a step is not a known id with an argument list");
    else run_step((int)jsvGetInteger(id), list);
    jsvUnLock2(id, list);
  }
  jsvObjectIteratorFree(&it);
}
