/*
 * earshot Duktape host: embeds libduktape, registers the C kernels (kernels.c) as the native
 * object `EarshotNative`, and runs the ES5 bundle on a model and int16 samples.
 *
 *   earshot-duk BUNDLE.js MODEL SAMPLES_S16 [1 = trace] [SETTINGS] [0 = no natives]
 *
 * Stands in for JerryScript native handlers / Espruino compiled C: the JS runtime keeps the
 * control plane, each layer is one native call on typed arrays it owns (no copies: activations
 * are views into the JS arena). Every native checks its array lengths against the geometry, so
 * a wrong call throws a TypeError instead of touching memory it should not.
 */
#include <duktape.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "kernels.h"

static int32_t *ints(duk_context *ctx, duk_idx_t idx, duk_size_t need) {
  duk_size_t size = 0;
  void *p = duk_get_buffer_data(ctx, idx, &size);
  if (p == NULL && need > 0) (void)duk_type_error(ctx, "argument %d: expected an Int32Array", (int)idx);
  if (size < need * 4) (void)duk_range_error(ctx, "argument %d: %lu bytes, need %lu", (int)idx, (unsigned long)size, (unsigned long)(need * 4));
  return (int32_t *)p;
}

static int32_t prop_int(duk_context *ctx, duk_idx_t obj, const char *key) {
  duk_get_prop_string(ctx, obj, key);
  int32_t v = (int32_t)duk_require_int(ctx, -1);
  duk_pop(ctx);
  return v;
}

static void read_geom(duk_context *ctx, duk_idx_t i, es_geom *g) {
  g->inH = prop_int(ctx, i, "inH");
  g->inW = prop_int(ctx, i, "inW");
  g->inC = prop_int(ctx, i, "inC");
  g->outH = prop_int(ctx, i, "outH");
  g->outW = prop_int(ctx, i, "outW");
  g->outC = prop_int(ctx, i, "outC");
  g->kH = prop_int(ctx, i, "kH");
  g->kW = prop_int(ctx, i, "kW");
  g->strideH = prop_int(ctx, i, "strideH");
  g->strideW = prop_int(ctx, i, "strideW");
  g->padTop = prop_int(ctx, i, "padTop");
  g->padLeft = prop_int(ctx, i, "padLeft");
  if (g->inH < 0 || g->inW < 0 || g->inC < 1 || g->outH < 0 || g->outW < 0 || g->outC < 1 ||
      g->kH < 1 || g->kW < 1 || g->strideH < 1 || g->strideW < 1 || g->inH > 65536 ||
      g->inW > 65536 || g->inC > 65536 || g->outC > 65536)
    (void)duk_range_error(ctx, "bad geometry");
}

static void read_requant(duk_context *ctx, duk_idx_t i, es_requant *q) {
  q->inZp = prop_int(ctx, i, "inZp");
  q->outZp = prop_int(ctx, i, "outZp");
  q->actMin = prop_int(ctx, i, "actMin");
  q->actMax = prop_int(ctx, i, "actMax");
}

static void check_shifts(duk_context *ctx, const int32_t *shift, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    if (shift[i] < 17 || shift[i] > 62) (void)duk_range_error(ctx, "shift %d out of 17..62", (int)shift[i]);
}

#define PIX(g) ((duk_size_t)(g).inH * (g).inW)
#define OPIX(g) ((duk_size_t)(g).outH * (g).outW)
#define WORDS(c) ((duk_size_t)(((c) + 31) / 32))

static duk_ret_t n_conv2d(duk_context *ctx) {
  es_geom g;
  es_requant q;
  read_geom(ctx, 5, &g);
  read_requant(ctx, 6, &q);
  int32_t *x = ints(ctx, 0, PIX(g) * g.inC);
  int32_t *w = ints(ctx, 1, (duk_size_t)g.outC * g.kH * g.kW * g.inC);
  int32_t *b = ints(ctx, 2, g.outC), *m = ints(ctx, 3, g.outC), *s = ints(ctx, 4, g.outC);
  int32_t *out = ints(ctx, 7, OPIX(g) * g.outC);
  check_shifts(ctx, s, g.outC);
  es_conv2d(x, w, b, m, s, &g, &q, out);
  return 0;
}

static duk_ret_t n_depthwise(duk_context *ctx) {
  es_geom g;
  es_requant q;
  read_geom(ctx, 5, &g);
  read_requant(ctx, 6, &q);
  if (g.outC % g.inC != 0) (void)duk_range_error(ctx, "depth multiplier not whole");
  int32_t *x = ints(ctx, 0, PIX(g) * g.inC);
  int32_t *w = ints(ctx, 1, (duk_size_t)g.kH * g.kW * g.outC);
  int32_t *b = ints(ctx, 2, g.outC), *m = ints(ctx, 3, g.outC), *s = ints(ctx, 4, g.outC);
  int32_t *out = ints(ctx, 7, OPIX(g) * g.outC);
  check_shifts(ctx, s, g.outC);
  es_depthwise_conv2d(x, w, b, m, s, &g, &q, out);
  return 0;
}

static duk_ret_t n_dense(duk_context *ctx) {
  es_requant q;
  int32_t inN = prop_int(ctx, 5, "inN"), outN = prop_int(ctx, 5, "outN");
  read_requant(ctx, 6, &q);
  if (inN < 1 || outN < 1) (void)duk_range_error(ctx, "bad dense shape");
  int32_t *x = ints(ctx, 0, inN), *w = ints(ctx, 1, (duk_size_t)inN * outN);
  int32_t *b = ints(ctx, 2, outN), *m = ints(ctx, 3, outN), *s = ints(ctx, 4, outN);
  int32_t *out = ints(ctx, 7, outN);
  check_shifts(ctx, s, outN);
  es_dense(x, w, b, m, s, inN, outN, &q, out);
  return 0;
}

static duk_ret_t n_pool(duk_context *ctx, int is_max) {
  es_geom g;
  read_geom(ctx, 1, &g);
  int32_t lo = prop_int(ctx, 2, "actMin"), hi = prop_int(ctx, 2, "actMax");
  int32_t *x = ints(ctx, 0, PIX(g) * g.inC), *out = ints(ctx, 3, OPIX(g) * g.inC);
  if (is_max) es_max_pool2d(x, &g, lo, hi, out);
  else es_avg_pool2d(x, &g, lo, hi, out);
  return 0;
}
static duk_ret_t n_avg_pool(duk_context *ctx) { return n_pool(ctx, 0); }
static duk_ret_t n_max_pool(duk_context *ctx) { return n_pool(ctx, 1); }

static duk_ret_t n_global_pool_of(duk_context *ctx, int max) {
  int32_t h = duk_require_int(ctx, 1), w = duk_require_int(ctx, 2), ch = duk_require_int(ctx, 3);
  int32_t lo = prop_int(ctx, 4, "actMin"), hi = prop_int(ctx, 4, "actMax");
  if (h < 0 || w < 0 || ch < 0 || h > 65536 || w > 65536 || ch > 65536) (void)duk_range_error(ctx, "bad shape");
  int32_t *x = ints(ctx, 0, (duk_size_t)h * w * ch), *out = ints(ctx, 5, ch);
  (max ? es_global_max_pool : es_global_avg_pool)(x, h, w, ch, lo, hi, out);
  return 0;
}
static duk_ret_t n_global_pool(duk_context *ctx) { return n_global_pool_of(ctx, 0); }
static duk_ret_t n_global_max_pool(duk_context *ctx) { return n_global_pool_of(ctx, 1); }

static duk_ret_t n_tflm_requantize(duk_context *ctx) {
  es_requant q;
  int32_t n = duk_require_int(ctx, 3), ch = duk_require_int(ctx, 4);
  read_requant(ctx, 5, &q);
  if (n < 0 || ch < 1 || n % ch != 0 || n > (1 << 24)) (void)duk_range_error(ctx, "bad requantize shape");
  int32_t *x = ints(ctx, 0, n), *m = ints(ctx, 1, ch), *s = ints(ctx, 2, ch), *out = ints(ctx, 6, n);
  for (int32_t i = 0; i < ch; i++)
    if (s[i] < 26 || s[i] > 62) (void)duk_range_error(ctx, "shift %d out of 26..62", (int)s[i]);
  es_tflm_requantize(x, m, s, n, ch, &q, out);
  return 0;
}

static duk_ret_t n_add(duk_context *ctx) {
  es_add p;
  p.n = prop_int(ctx, 2, "n");
  p.aZp = prop_int(ctx, 2, "aZp");
  p.bZp = prop_int(ctx, 2, "bZp");
  p.outZp = prop_int(ctx, 2, "outZp");
  p.leftShift = prop_int(ctx, 2, "leftShift");
  p.aMult = prop_int(ctx, 2, "aMult");
  p.aShift = prop_int(ctx, 2, "aShift");
  p.bMult = prop_int(ctx, 2, "bMult");
  p.bShift = prop_int(ctx, 2, "bShift");
  p.outMult = prop_int(ctx, 2, "outMult");
  p.outShift = prop_int(ctx, 2, "outShift");
  p.actMin = prop_int(ctx, 2, "actMin");
  p.actMax = prop_int(ctx, 2, "actMax");
  if (p.n < 0 || p.leftShift < 0 || p.leftShift > 30) (void)duk_range_error(ctx, "bad add params");
  int32_t sh[3] = {p.aShift, p.bShift, p.outShift};
  check_shifts(ctx, sh, 3);
  int32_t *a = ints(ctx, 0, p.n), *b = ints(ctx, 1, p.n), *out = ints(ctx, 3, p.n);
  es_add_q(a, b, &p, out);
  return 0;
}

static duk_ret_t n_bconv(duk_context *ctx) {
  es_geom g;
  read_geom(ctx, 4, &g);
  int32_t *x = ints(ctx, 0, PIX(g) * WORDS(g.inC));
  int32_t *w = ints(ctx, 1, (duk_size_t)g.outC * g.kH * g.kW * WORDS(g.inC));
  int32_t *thr = ints(ctx, 2, g.outC), *dir = ints(ctx, 3, g.outC);
  int32_t *out = ints(ctx, 5, OPIX(g) * WORDS(g.outC));
  es_binary_conv2d(x, w, thr, dir, &g, out);
  return 0;
}

static duk_ret_t n_bconv_int(duk_context *ctx) {
  es_geom g;
  es_requant q;
  read_geom(ctx, 5, &g);
  read_requant(ctx, 6, &q);
  int32_t *x = ints(ctx, 0, PIX(g) * WORDS(g.inC));
  int32_t *w = ints(ctx, 1, (duk_size_t)g.outC * g.kH * g.kW * WORDS(g.inC));
  int32_t *b = ints(ctx, 2, g.outC), *m = ints(ctx, 3, g.outC), *s = ints(ctx, 4, g.outC);
  int32_t *out = ints(ctx, 7, OPIX(g) * g.outC);
  check_shifts(ctx, s, g.outC);
  es_binary_conv2d_int(x, w, b, m, s, &g, &q, out);
  return 0;
}

static duk_ret_t n_bdense(duk_context *ctx) {
  int32_t inN = prop_int(ctx, 4, "inN"), outN = prop_int(ctx, 4, "outN");
  if (inN < 1 || outN < 1) (void)duk_range_error(ctx, "bad dense shape");
  int32_t *x = ints(ctx, 0, WORDS(inN)), *w = ints(ctx, 1, (duk_size_t)outN * WORDS(inN));
  int32_t *thr = ints(ctx, 2, outN), *dir = ints(ctx, 3, outN), *out = ints(ctx, 5, WORDS(outN));
  es_binary_dense(x, w, thr, dir, inN, outN, out);
  return 0;
}

static duk_ret_t n_bdense_int(duk_context *ctx) {
  es_requant q;
  int32_t inN = prop_int(ctx, 5, "inN"), outN = prop_int(ctx, 5, "outN");
  read_requant(ctx, 6, &q);
  if (inN < 1 || outN < 1) (void)duk_range_error(ctx, "bad dense shape");
  int32_t *x = ints(ctx, 0, WORDS(inN)), *w = ints(ctx, 1, (duk_size_t)outN * WORDS(inN));
  int32_t *b = ints(ctx, 2, outN), *m = ints(ctx, 3, outN), *s = ints(ctx, 4, outN);
  int32_t *out = ints(ctx, 7, outN);
  check_shifts(ctx, s, outN);
  es_binary_dense_int(x, w, b, m, s, inN, outN, &q, out);
  return 0;
}

static duk_ret_t n_binarize(duk_context *ctx) {
  int32_t pixels = duk_require_int(ctx, 3), ch = duk_require_int(ctx, 4);
  if (pixels < 0 || ch < 1 || pixels > (1 << 24) || ch > 65536) (void)duk_range_error(ctx, "bad shape");
  int32_t *x = ints(ctx, 0, (duk_size_t)pixels * ch), *thr = ints(ctx, 1, ch), *dir = ints(ctx, 2, ch);
  int32_t *out = ints(ctx, 5, (duk_size_t)pixels * WORDS(ch));
  es_binarize(x, thr, dir, pixels, ch, out);
  return 0;
}

static duk_ret_t n_quantize(duk_context *ctx) {
  int32_t n = prop_int(ctx, 1, "n"), zp = prop_int(ctx, 1, "zeroPoint");
  int32_t lo = prop_int(ctx, 1, "actMin"), hi = prop_int(ctx, 1, "actMax");
  duk_get_prop_string(ctx, 1, "scale");
  double scale = duk_require_number(ctx, -1);
  duk_pop(ctx);
  if (n < 0) (void)duk_range_error(ctx, "bad length");
  duk_size_t size = 0;
  double *x = (double *)duk_get_buffer_data(ctx, 0, &size);
  if (x == NULL || size < (duk_size_t)n * 8) (void)duk_type_error(ctx, "quantize input: expected a Float64Array of %d", (int)n);
  int32_t *out = ints(ctx, 2, n);
  es_quantize(x, n, scale, zp, lo, hi, out);
  return 0;
}

static duk_ret_t n_softmax(duk_context *ctx) {
  int32_t n = duk_require_int(ctx, 2);
  duk_size_t lutBytes = 0;
  int32_t *lut = (int32_t *)duk_get_buffer_data(ctx, 1, &lutBytes);
  if (lut == NULL || lutBytes < 4) (void)duk_type_error(ctx, "softmax table: expected an Int32Array");
  if (n < 1) (void)duk_range_error(ctx, "bad length");
  int32_t *x = ints(ctx, 0, n), *out = ints(ctx, 3, n);
  es_softmax(x, lut, (int32_t)(lutBytes / 4), n, out);
  return 0;
}

static duk_ret_t n_print(duk_context *ctx) {
  duk_size_t len = 0;
  const char *s = duk_safe_to_lstring(ctx, 0, &len);
  fwrite(s, 1, len, stdout);
  fputc('\n', stdout);
  return 0;
}


/* ---- front end: tables built in C from the JS FrontEnd's configuration, frames computed in C ---- */

#define MAX_FRONTENDS 4
static es_frontend frontends[MAX_FRONTENDS];
static int n_frontends;

static double prop_num(duk_context *ctx, duk_idx_t obj, const char *key) {
  duk_get_prop_string(ctx, obj, key);
  double v = duk_require_number(ctx, -1);
  duk_pop(ctx);
  return v;
}

/* frontEndInit(frontEnd): a shared/features FrontEnd, or any object with its windowLength,
 * hopLength, coeffs and config fields; builds the tables (es_frontend_build); returns a handle. */
static duk_ret_t n_frontend_init(duk_context *ctx) {
  if (n_frontends >= MAX_FRONTENDS) (void)duk_range_error(ctx, "too many front ends");
  es_frontend_config c;
  c.win = prop_int(ctx, 0, "windowLength");
  c.hop = prop_int(ctx, 0, "hopLength");
  c.coeffs = prop_int(ctx, 0, "coeffs");
  duk_get_prop_string(ctx, 0, "config");
  c.sampleRate = prop_int(ctx, -1, "sampleRate");
  c.fftSize = prop_int(ctx, -1, "fftSize");
  c.nMels = prop_int(ctx, -1, "nMels");
  c.fMin = prop_num(ctx, -1, "fMin");
  c.fMax = prop_num(ctx, -1, "fMax");
  c.logFloor = prop_num(ctx, -1, "logFloor");
  duk_get_prop_string(ctx, -1, "kind");
  c.lfbe = strcmp(duk_require_string(ctx, -1), "lfbe") == 0;
  duk_pop_2(ctx);
  const char *problem = es_frontend_build(&frontends[n_frontends], &c);
  if (problem != NULL) (void)duk_range_error(ctx, "%s", problem);
  duk_push_int(ctx, n_frontends++);
  return 1;
}

/* frontEndFrame(handle, src Float64Array, srcOffset, out Float64Array, outOffset) */
static duk_ret_t n_frontend_frame(duk_context *ctx) {
  int32_t h = duk_require_int(ctx, 0);
  if (h < 0 || h >= n_frontends) (void)duk_range_error(ctx, "bad front-end handle");
  es_frontend *f = &frontends[h];
  int32_t so = duk_require_int(ctx, 2), oo = duk_require_int(ctx, 4);
  duk_size_t sb = 0, ob = 0;
  double *src = duk_get_buffer_data(ctx, 1, &sb);
  double *out = duk_get_buffer_data(ctx, 3, &ob);
  if (!src || !out || so < 0 || oo < 0 || (duk_size_t)(so + f->win) * 8 > sb || (duk_size_t)(oo + f->coeffs) * 8 > ob)
    (void)duk_type_error(ctx, "frontEndFrame: expected Float64Arrays holding the window and frame");
  es_frontend_frame(f, src + so, out + oo);
  return 0;
}

/* The model's input quantizer per front end (frontEndQuantizer), for frontEndPushQuantized. */
static struct {
  int set;
  double scale;
  int32_t zeroPoint, actMin, actMax;
} fe_quant[MAX_FRONTENDS];

/* frontEndQuantizer(handle, {scale, zeroPoint, actMin, actMax}[, mean, std]): the quantize
 * kernel's parameters, and the model's input normalization (Float64Arrays of coeffs values)
 * applied to each frame before it. */
static duk_ret_t n_frontend_quantizer(duk_context *ctx) {
  int32_t h = duk_require_int(ctx, 0);
  if (h < 0 || h >= n_frontends) (void)duk_range_error(ctx, "bad front-end handle");
  const double *mean = NULL, *std = NULL;
  if (!duk_is_undefined(ctx, 2)) {
    duk_size_t mb = 0, sb = 0;
    mean = duk_get_buffer_data(ctx, 2, &mb);
    std = duk_get_buffer_data(ctx, 3, &sb);
    const duk_size_t need = (duk_size_t)frontends[h].coeffs * 8;
    if (!mean || !std || mb < need || sb < need)
      (void)duk_type_error(ctx, "frontEndQuantizer: mean and std must be Float64Arrays of the front end's coefficients");
  }
  if (!es_frontend_set_norm(&frontends[h], mean, std)) (void)duk_error(ctx, DUK_ERR_ERROR, "frontEndQuantizer: out of memory");
  duk_get_prop_string(ctx, 1, "scale");
  fe_quant[h].scale = duk_require_number(ctx, -1);
  duk_pop(ctx);
  fe_quant[h].zeroPoint = prop_int(ctx, 1, "zeroPoint");
  fe_quant[h].actMin = prop_int(ctx, 1, "actMin");
  fe_quant[h].actMax = prop_int(ctx, 1, "actMax");
  fe_quant[h].set = 1;
  return 0;
}

/* frontEndPushQuantized(handle, src Float64Array, srcOffset, n, dst Int32Array, slot) -> frames
 * made: the samples into the front end's own window; each full window's frame, quantized by the
 * handle's quantizer, into dst at frame slot `slot`, `slot + 1`, ... (wrapping at its end). */
static duk_ret_t n_frontend_push_quantized(duk_context *ctx) {
  int32_t h = duk_require_int(ctx, 0);
  if (h < 0 || h >= n_frontends || !fe_quant[h].set) (void)duk_range_error(ctx, "bad front-end handle (or no frontEndQuantizer)");
  es_frontend *f = &frontends[h];
  int32_t so = duk_require_int(ctx, 2), n = duk_require_int(ctx, 3), slot = duk_require_int(ctx, 5);
  duk_size_t sb = 0, db = 0;
  double *src = duk_get_buffer_data(ctx, 1, &sb);
  int32_t *dst = duk_get_buffer_data(ctx, 4, &db);
  const int32_t coeffs = f->coeffs, slots = (int32_t)(db / 4 / (duk_size_t)coeffs);
  if (!src || !dst || so < 0 || n < 0 || (duk_size_t)(so + n) * 8 > sb || slot < 0 || slot >= slots)
    (void)duk_range_error(ctx, "frontEndPushQuantized: bad arrays, ranges or slot");
  /* coeffs <= nMels <= 512 (frontEndInit) */
  double feat[512];
  int32_t made = 0;
  for (int32_t i = 0; i < n;) {
    i += es_frontend_append(f, src + so + i, n - i);
    if (f->fill < f->win) break;
    es_frontend_take_frame(f, feat);
    es_quantize(feat, coeffs, fe_quant[h].scale, fe_quant[h].zeroPoint, fe_quant[h].actMin, fe_quant[h].actMax,
                dst + (size_t)slot * coeffs);
    slot = slot + 1 == slots ? 0 : slot + 1;
    made++;
  }
  duk_push_int(ctx, made);
  return 1;
}

/* ---- block copies for the stream stages (typed arrays only) ---- */

static void *typed(duk_context *ctx, duk_idx_t idx, duk_size_t *bytes, int32_t *elem) {
  void *p = duk_get_buffer_data(ctx, idx, bytes);
  if (!p && *bytes == 0 && duk_is_buffer_data(ctx, idx)) return p;
  if (!p) (void)duk_type_error(ctx, "argument %d: expected a typed array", (int)idx);
  duk_get_prop_string(ctx, idx, "BYTES_PER_ELEMENT");
  *elem = (int32_t)duk_require_int(ctx, -1);
  duk_pop(ctx);
  return p;
}

/* copy(src, srcOff, dst, dstOff, n): same element type on both sides, memmove. */
static duk_ret_t n_copy(duk_context *ctx) {
  duk_size_t sb = 0, db = 0;
  int32_t se = 0, de = 0;
  char *src = typed(ctx, 0, &sb, &se), *dst = typed(ctx, 2, &db, &de);
  int32_t so = duk_require_int(ctx, 1), dof = duk_require_int(ctx, 3), n = duk_require_int(ctx, 4);
  if (n == 0) return 0;
  if (se != de || so < 0 || dof < 0 || n < 0 || (duk_size_t)(so + n) * se > sb || (duk_size_t)(dof + n) * de > db)
    (void)duk_range_error(ctx, "copy: bad ranges or element types");
  memmove(dst + (size_t)dof * de, src + (size_t)so * se, (size_t)n * se);
  return 0;
}

/* shift(window, n, src, add): window[0 .. n - add) = window[add .. n), then
 * window[n - add .. n) = src[0 .. add) (TensorMemory.shift; one element type). */
static duk_ret_t n_shift(duk_context *ctx) {
  duk_size_t wb = 0, sb = 0;
  int32_t we = 0, se = 0;
  char *w = typed(ctx, 0, &wb, &we), *src = typed(ctx, 2, &sb, &se);
  int32_t n = duk_require_int(ctx, 1), add = duk_require_int(ctx, 3);
  if (we != se || n < 0 || add < 0 || add > n || (duk_size_t)n * we > wb || (duk_size_t)add * se > sb)
    (void)duk_range_error(ctx, "shift: bad counts or element types");
  const size_t keep = (size_t)(n - add) * we;
  memmove(w, w + (size_t)add * we, keep);
  memmove(w + keep, src, (size_t)add * we);
  return 0;
}

/* copyScaled(src Int16Array | Int32Array | Float64Array, srcOff, dst Float64Array, dstOff, n, scale) */
static duk_ret_t n_copy_scaled(duk_context *ctx) {
  duk_size_t sb = 0, db = 0;
  int32_t se = 0, de = 0;
  char *src = typed(ctx, 0, &sb, &se), *dst = typed(ctx, 2, &db, &de);
  int32_t so = duk_require_int(ctx, 1), dof = duk_require_int(ctx, 3), n = duk_require_int(ctx, 4);
  double scale = duk_require_number(ctx, 5);
  if (n == 0) return 0;
  if ((se != 2 && se != 4 && se != 8) || de != 8 || so < 0 || dof < 0 || n < 0 || (duk_size_t)(so + n) * se > sb ||
      (duk_size_t)(dof + n) * 8 > db)
    (void)duk_range_error(ctx, "copyScaled: bad ranges or element types");
  double *d = (double *)dst + dof;
  if (se == 2) {
    const int16_t *s = (const int16_t *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  } else if (se == 4) {
    const int32_t *s = (const int32_t *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  } else {
    const double *s = (const double *)src + so;
    for (int32_t i = 0; i < n; i++) d[i] = s[i] * scale;
  }
  return 0;
}

static const duk_function_list_entry NATIVES[] = {
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
    {NULL, NULL, 0}};

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

/* Pushes a typed array of `type` over a copy of `bytes`. */
static void push_typed(duk_context *ctx, const char *bytes, size_t len, duk_uint_t type) {
  void *p = duk_push_fixed_buffer(ctx, len);
  if (len) memcpy(p, bytes, len);
  duk_push_buffer_object(ctx, -1, 0, len, type);
  duk_remove(ctx, -2);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s BUNDLE.js MODEL SAMPLES_S16 [1=trace] [SETTINGS] [0=no natives]\n", argv[0]);
    return 2;
  }
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  size_t bundleLen, modelLen, samplesLen;
  char *bundle = slurp(argv[1], &bundleLen);
  char *model = slurp(argv[2], &modelLen);
  char *samples = slurp(argv[3], &samplesLen);
  if (!bundle || !model || !samples) {
    fprintf(stderr, "earshot-duk: cannot read an input file\n");
    return 2;
  }
  int trace = argc > 4 && strcmp(argv[4], "1") == 0;
  const char *settings = argc > 5 ? argv[5] : "";
  int natives = !(argc > 6 && strcmp(argv[6], "0") == 0);
  duk_context *ctx = duk_create_heap_default();
  if (!ctx) return 2;
  duk_push_c_function(ctx, n_print, 1);
  duk_put_global_string(ctx, "print");
  if (natives) {
    duk_push_object(ctx);
    duk_put_function_list(ctx, -1, NATIVES);
    duk_put_global_string(ctx, "EarshotNative");
  }
  duk_push_object(ctx);
  push_typed(ctx, model, modelLen, DUK_BUFOBJ_UINT8ARRAY);
  duk_put_prop_string(ctx, -2, "model");
  push_typed(ctx, samples, samplesLen & ~(size_t)1, DUK_BUFOBJ_INT16ARRAY);
  duk_put_prop_string(ctx, -2, "samples");
  duk_push_boolean(ctx, trace);
  duk_put_prop_string(ctx, -2, "trace");
  duk_push_string(ctx, settings);
  duk_put_prop_string(ctx, -2, "settings");
  duk_put_global_string(ctx, "EARSHOT_INPUT");
  free(model);
  free(samples);
  int rc = 0;
  if (duk_peval_lstring(ctx, bundle, bundleLen) != 0) {
    fflush(stdout);
    fprintf(stderr, "earshot-duk: %s\n", duk_safe_to_string(ctx, -1));
    rc = 1;
  }
  duk_pop(ctx);
  duk_destroy_heap(ctx);
  free(bundle);
  fflush(stdout);
  return rc;
}
