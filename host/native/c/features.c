/*
 * The device's C front end (device/targets/c-kernels/frontend.c) for host feature extraction:
 * the trainer's augmented clips get their MFCCs here instead of from the TS front end, the same
 * bits at a fraction of the CPU (issue 13: making batches is what bounds the epoch).
 *
 * frontEndCreate(dims, logFloor, window, rev, cosM, sinM, cosN, sinN, melStart, melCount,
 *                melOffset, melWeights, dct) -> external
 *   dims: Int32Array [windowLength, hopLength, coeffs, nMels, fftSize, lfbe (0/1)]; the tables
 *   are a shared/features FrontEnd's (host/native/front-end.ts reads them), Float64Array or
 *   Int32Array as named in frontend.h. Every length and index is checked; the copy is the
 *   addon's, freed with the returned object.
 * frontEndExtract(fe, samples: Float32Array, frames, out: Float32Array)
 *   frames x coeffs features of samples[t * hop .. t * hop + win) into out, as float32.
 * Each call uses the front end's own buffers: one object per thread (the trainer's workers each
 * make their own).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../device/targets/c-kernels/frontend.h"
#include "features.h"

typedef struct {
  es_frontend f;
  double *src; /* one window of samples as doubles */
  double *feat; /* one frame's features */
} native_fe;

static void fe_free(native_fe *n) {
  if (!n) return;
  es_frontend *f = &n->f;
  void *ptrs[] = {f->window, f->cosM, f->sinM, f->cosN, f->sinN, f->melW, f->dct, f->rev,
                  f->melStart, f->melCount, f->melOffset, f->frame, f->re, f->im, f->power,
                  f->melLog, f->stageCos, f->stageSin, f->dctT, f->samples, n->src, n->feat};
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
  free(n);
}

static void fe_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  fe_free(data);
}

/* A copy of argument i, a typed array of `type` with exactly `need` elements; NULL after
 * throwing. */
static void *table(napi_env env, napi_value v, napi_typedarray_type type, size_t need,
                   const char *name) {
  napi_typedarray_type t;
  size_t n = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &t, &n, &data, NULL, NULL) != napi_ok || t != type) {
    char msg[96];
    snprintf(msg, sizeof msg, "frontEndCreate: %s must be a%s", name,
             type == napi_float64_array ? " Float64Array" : "n Int32Array");
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  if (n != need) {
    char msg[96];
    snprintf(msg, sizeof msg, "frontEndCreate: %s holds %zu values, expected %zu", name, n, need);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  const size_t bytes = (need ? need : 1) * (type == napi_float64_array ? 8 : 4);
  void *copy = malloc(bytes);
  if (!copy) {
    napi_throw_error(env, NULL, "frontEndCreate: out of memory");
    return NULL;
  }
  if (need) memcpy(copy, data, bytes);
  return copy;
}

static napi_value fe_create(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 13) {
    napi_throw_type_error(env, NULL, "frontEndCreate: expected 13 arguments");
    return NULL;
  }
  int32_t *dims = table(env, argv[0], napi_int32_array, 6, "dims");
  if (!dims) return NULL;
  const int32_t win = dims[0], hop = dims[1], coeffs = dims[2], nMels = dims[3], fft = dims[4];
  const int32_t lfbe = dims[5];
  free(dims);
  if (win < 1 || hop < 1 || hop > win || fft < 4 || fft > 65536 || (fft & (fft - 1)) != 0 ||
      win > fft || nMels < 1 || nMels > 512 || coeffs < 1 || coeffs > nMels || (lfbe != 0 && lfbe != 1) ||
      (lfbe && coeffs != nMels)) {
    napi_throw_range_error(env, NULL, "frontEndCreate: bad dimensions");
    return NULL;
  }
  double logFloor = 0;
  if (napi_get_value_double(env, argv[1], &logFloor) != napi_ok || !(logFloor > 0)) {
    napi_throw_range_error(env, NULL, "frontEndCreate: logFloor must be a positive number");
    return NULL;
  }
  native_fe *n = calloc(1, sizeof *n);
  if (!n) {
    napi_throw_error(env, NULL, "frontEndCreate: out of memory");
    return NULL;
  }
  es_frontend *f = &n->f;
  const int32_t half = fft / 2;
  f->win = win;
  f->hop = hop;
  f->half = half;
  f->nMels = nMels;
  f->coeffs = coeffs;
  f->lfbe = lfbe;
  f->logFloor = logFloor;
  int ok = (f->window = table(env, argv[2], napi_float64_array, (size_t)win, "window")) &&
           (f->rev = table(env, argv[3], napi_int32_array, (size_t)half, "rev")) &&
           (f->cosM = table(env, argv[4], napi_float64_array, (size_t)half / 2, "cosM")) &&
           (f->sinM = table(env, argv[5], napi_float64_array, (size_t)half / 2, "sinM")) &&
           (f->cosN = table(env, argv[6], napi_float64_array, (size_t)half + 1, "cosN")) &&
           (f->sinN = table(env, argv[7], napi_float64_array, (size_t)half + 1, "sinN")) &&
           (f->melStart = table(env, argv[8], napi_int32_array, (size_t)nMels, "melStart")) &&
           (f->melCount = table(env, argv[9], napi_int32_array, (size_t)nMels, "melCount")) &&
           (f->melOffset = table(env, argv[10], napi_int32_array, (size_t)nMels, "melOffset"));
  size_t nw = 0;
  if (ok) {
    napi_typedarray_type t;
    if (napi_get_typedarray_info(env, argv[11], &t, &nw, NULL, NULL, NULL) != napi_ok) nw = 0;
    ok = (f->melW = table(env, argv[11], napi_float64_array, nw, "melWeights")) &&
         (f->dct = table(env, argv[12], napi_float64_array, lfbe ? 0 : (size_t)coeffs * nMels, "dct"));
  }
  for (int32_t i = 0; ok && i < half; i++)
    if (f->rev[i] < 0 || f->rev[i] >= half) {
      napi_throw_range_error(env, NULL, "frontEndCreate: rev index out of range");
      ok = 0;
    }
  for (int32_t m = 0; ok && m < nMels; m++)
    if (f->melStart[m] < 0 || f->melCount[m] < 0 || f->melOffset[m] < 0 ||
        (int64_t)f->melStart[m] + f->melCount[m] > half + 1 ||
        (int64_t)f->melOffset[m] + f->melCount[m] > (int64_t)nw) {
      napi_throw_range_error(env, NULL, "frontEndCreate: mel filter out of range");
      ok = 0;
    }
  if (ok) {
    f->frame = calloc((size_t)fft, sizeof(double));
    f->re = calloc((size_t)half, sizeof(double));
    f->im = calloc((size_t)half, sizeof(double));
    f->power = calloc((size_t)half + 1, sizeof(double));
    f->melLog = calloc((size_t)nMels, sizeof(double));
    n->src = calloc((size_t)win, sizeof(double));
    n->feat = calloc((size_t)coeffs, sizeof(double));
    ok = f->frame && f->re && f->im && f->power && f->melLog && n->src && n->feat &&
         es_frontend_prepare(f);
    if (!ok) napi_throw_error(env, NULL, "frontEndCreate: out of memory");
  }
  napi_value out;
  if (!ok || napi_create_external(env, n, fe_finalize, NULL, &out) != napi_ok) {
    fe_free(n);
    return NULL;
  }
  return out;
}

static napi_value fe_extract(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  native_fe *n = NULL;
  napi_valuetype vt;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      napi_typeof(env, argv[0], &vt) != napi_ok || vt != napi_external ||
      napi_get_value_external(env, argv[0], (void **)&n) != napi_ok || !n) {
    napi_throw_type_error(env, NULL, "frontEndExtract(fe, samples, frames, out)");
    return NULL;
  }
  napi_typedarray_type ts, to;
  size_t ns = 0, no = 0;
  void *ds = NULL, *dout = NULL;
  int32_t frames = 0;
  if (napi_get_typedarray_info(env, argv[1], &ts, &ns, &ds, NULL, NULL) != napi_ok ||
      ts != napi_float32_array ||
      napi_get_typedarray_info(env, argv[3], &to, &no, &dout, NULL, NULL) != napi_ok ||
      to != napi_float32_array || napi_get_value_int32(env, argv[2], &frames) != napi_ok) {
    napi_throw_type_error(env, NULL, "frontEndExtract: samples and out must be Float32Arrays");
    return NULL;
  }
  es_frontend *f = &n->f;
  if (frames < 0 || (frames > 0 && (int64_t)(frames - 1) * f->hop + f->win > (int64_t)ns) ||
      (int64_t)frames * f->coeffs > (int64_t)no) {
    napi_throw_range_error(env, NULL, "frontEndExtract: frames beyond samples or out");
    return NULL;
  }
  const float *s = ds;
  float *o = dout;
  for (int32_t t = 0; t < frames; t++) {
    const float *w = s + (size_t)t * f->hop;
    for (int32_t i = 0; i < f->win; i++) n->src[i] = w[i];
    es_frontend_frame(f, n->src, n->feat);
    for (int32_t j = 0; j < f->coeffs; j++) o[(size_t)t * f->coeffs + j] = (float)n->feat[j];
  }
  return NULL;
}

napi_status features_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"frontEndCreate", NULL, fe_create, NULL, NULL, NULL, napi_default, NULL},
      {"frontEndExtract", NULL, fe_extract, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
