/*
 * host/data/convolve.ts convolve (the reverb's linear convolution through the FFT) in C: the
 * same packing of both real inputs into one complex transform, the same spectrum arithmetic and
 * half-size real inverse, fft.js's transforms transcribed (fftjs.c), so the same float32 output
 * bit for bit. The plans' tables (fft.js `table`, `_bitrev`, `_width` of the n- and n/2-point
 * plans) and the twiddles come from the TS, which caches them per size.
 *
 * convolveReal(x, h, y: Float32Array, table, bitrev, width, halfTable, halfBitrev, halfWidth,
 *              cos, sin): y = x * h (length x + h - 1), n = table.length / 2 points.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize") /* as in fftjs.c */
#endif
#include <stdint.h>
#include <string.h>

#include "convolve.h"
#include "fftjs.h"
#include "scratch.h"

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *n) {
  napi_typedarray_type t;
  return napi_get_typedarray_info(env, v, &t, n, data, NULL, NULL) == napi_ok && t == want;
}

static napi_value n_convolve(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  void *dx, *dh, *dy, *dt, *db, *dht, *dhb, *dc, *ds;
  size_t nx, nh, ny, nt, nb, nht, nhb, nc, ns;
  int32_t width = 0, halfWidth = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 11 ||
      !typed(env, argv[0], napi_float32_array, &dx, &nx) ||
      !typed(env, argv[1], napi_float32_array, &dh, &nh) ||
      !typed(env, argv[2], napi_float32_array, &dy, &ny) ||
      !typed(env, argv[3], napi_float64_array, &dt, &nt) ||
      !typed(env, argv[4], napi_int32_array, &db, &nb) ||
      napi_get_value_int32(env, argv[5], &width) != napi_ok ||
      !typed(env, argv[6], napi_float64_array, &dht, &nht) ||
      !typed(env, argv[7], napi_int32_array, &dhb, &nhb) ||
      napi_get_value_int32(env, argv[8], &halfWidth) != napi_ok ||
      !typed(env, argv[9], napi_float64_array, &dc, &nc) ||
      !typed(env, argv[10], napi_float64_array, &ds, &ns)) {
    napi_throw_type_error(env, NULL,
                          "convolveReal(x, h, y: Float32Array, table, bitrev, width, halfTable, "
                          "halfBitrev, halfWidth, cos, sin)");
    return NULL;
  }
  const size_t n = nt / 2, half = n / 2;
  if (n < 4 || n > ((size_t)1 << 24) || (n & (n - 1)) != 0 || nx < 1 || nh < 1 || ny != nx + nh - 1 ||
      ny > n || nht != n || nc != half || ns != half) {
    napi_throw_range_error(env, NULL, "convolveReal: sizes do not fit the plans");
    return NULL;
  }
  const fftjs_plan full = {.table = dt, .bitrev = db, .width = width, .csize = (int32_t)(2 * n)};
  const fftjs_plan halfPlan = {
      .table = dht, .bitrev = dhb, .width = halfWidth, .csize = (int32_t)n};
  if (!fftjs_plan_ok(&full, nb) || !fftjs_plan_ok(&halfPlan, nhb)) {
    napi_throw_range_error(env, NULL, "convolveReal: bit reversal or width out of range");
    return NULL;
  }
  /* Two spectra of 2n doubles (512 KB each for a clip with a long room response). */
  double *a = native_scratch(4 * n);
  if (!a) {
    napi_throw_error(env, NULL, "convolveReal: out of memory");
    return NULL;
  }
  double *b = a + 2 * n;
  const float *x = dx, *h = dh;
  const double *cosT = dc, *sinT = ds;
  memset(a, 0, 2 * n * sizeof(double));
  for (size_t i = 0; i < nx; i++) a[2 * i] = x[i];
  for (size_t i = 0; i < nh; i++) a[2 * i + 1] = h[i];
  fftjs_transform(&full, b, a, 0);
  for (size_t k = 0; k < n; k++) {
    const size_t m = (n - k) & (n - 1);
    const double zr = b[2 * k], zi = b[2 * k + 1];
    const double wr = b[2 * m], wi = -b[2 * m + 1];
    const double xr = 0.5 * (zr + wr), xi = 0.5 * (zi + wi);
    const double hr = 0.5 * (zi - wi), hi = -0.5 * (zr - wr);
    a[2 * k] = xr * hr - xi * hi;
    a[2 * k + 1] = xr * hi + xi * hr;
  }
  for (size_t k = 0; k < half; k++) {
    const double pr = a[2 * k], pi = a[2 * k + 1];
    const double qr = a[2 * (k + half)], qi = a[2 * (k + half) + 1];
    const double er = 0.5 * (pr + qr), ei = 0.5 * (pi + qi);
    const double dr = 0.5 * (pr - qr), di = 0.5 * (pi - qi);
    const double orr = dr * cosT[k] - di * sinT[k];
    const double oi = dr * sinT[k] + di * cosT[k];
    b[2 * k] = er - oi;
    b[2 * k + 1] = ei + orr;
  }
  fftjs_transform(&halfPlan, a, b, 1);
  float *y = dy;
  for (size_t i = 0; i < ny; i++) y[i] = (float)a[i];
  return NULL;
}

napi_status convolve_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"convolveReal", NULL, n_convolve, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
