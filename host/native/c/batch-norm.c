/*
 * The two kinds of pass a training batch norm makes over [rows, c] float32 tensors that lie in
 * the tfjs wasm backend's memory (heap + byte offsets, as train.c's kernels take them), each a
 * single read of its inputs:
 *
 *   channelSums(heap, a, b, rows, c, ref, out)   out: Float64Array(2c), ref: Float32Array(c)
 *     b < 0:  out = [ Σ (a - ref), Σ (a - ref)² ]      the statistics, shifted by ref (the
 *                                                      moving mean) so the square does not cancel
 *     b >= 0: out = [ Σ a, Σ a (b - ref) ]             the gradient's sums: dy, dy (x - mean)
 *   channelAffine(heap, a, b, out, rows, c, p)    p: Float32Array(2c or 3c)
 *     b < 0:  out = a p[0:c] + p[c:2c]                 normalize: x scale + shift
 *     b >= 0: out = a p[0:c] + b p[c:2c] + p[2c:3c]    dx = dy u + x v + w
 *
 * Sums run in float32 over blocks of BLOCK rows, then in float64 across blocks.
 */
#include "batch-norm.h"

#include <stdint.h>
#include <string.h>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#define BLOCK 64
#define MAX_C 1024

#ifdef __AVX512F__
/* Up to NV vectors of 16 channels per row in registers, rows outer: one sweep of memory. */
static inline __attribute__((always_inline)) void sums_nv(const int NV, const float *a, const float *b,
                                                          int64_t rows, int c, int c0, const float *ref,
                                                          double *out) {
  __mmask16 m[4];
  __m512 r[4];
  for (int v = 0; v < NV; v++) {
    const int k = c - c0 - 16 * v;
    m[v] = k >= 16 ? 0xFFFF : (__mmask16)((1u << k) - 1);
    r[v] = _mm512_maskz_loadu_ps(m[v], ref + c0 + 16 * v);
  }
  for (int64_t r0 = 0; r0 < rows; r0 += BLOCK) {
    const int64_t r1 = r0 + BLOCK < rows ? r0 + BLOCK : rows;
    __m512 s1[4], s2[4];
    for (int v = 0; v < NV; v++) s1[v] = s2[v] = _mm512_setzero_ps();
    for (int64_t i = r0; i < r1; i++) {
      const float *ar = a + i * c + c0;
      if (b) {
        const float *br = b + i * c + c0;
        for (int v = 0; v < NV; v++) {
          const __m512 av = _mm512_maskz_loadu_ps(m[v], ar + 16 * v);
          const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m[v], br + 16 * v), r[v]);
          s1[v] = _mm512_add_ps(s1[v], av);
          s2[v] = _mm512_add_ps(s2[v], _mm512_mul_ps(av, d));
        }
      } else {
        for (int v = 0; v < NV; v++) {
          const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m[v], ar + 16 * v), r[v]);
          s1[v] = _mm512_add_ps(s1[v], d);
          s2[v] = _mm512_add_ps(s2[v], _mm512_mul_ps(d, d));
        }
      }
    }
    for (int v = 0; v < NV; v++) {
      float t1[16], t2[16];
      _mm512_storeu_ps(t1, s1[v]);
      _mm512_storeu_ps(t2, s2[v]);
      for (int j = 0; j < 16 && c0 + 16 * v + j < c; j++) {
        out[c0 + 16 * v + j] += t1[j];
        out[c + c0 + 16 * v + j] += t2[j];
      }
    }
  }
}

static void sums(const float *a, const float *b, int64_t rows, int c, const float *ref, double *out) {
  memset(out, 0, sizeof(double) * 2 * (size_t)c);
  /* Channel groups of up to 64 (4 vectors), each in one sweep over the rows. */
  for (int c0 = 0; c0 < c; c0 += 64) {
    const int nv = (c - c0 + 15) / 16;
    if (nv == 1) sums_nv(1, a, b, rows, c, c0, ref, out);
    else if (nv == 2) sums_nv(2, a, b, rows, c, c0, ref, out);
    else if (nv == 3) sums_nv(3, a, b, rows, c, c0, ref, out);
    else sums_nv(4, a, b, rows, c, c0, ref, out);
  }
}

static inline __attribute__((always_inline)) void affine_nv(const int NV, const float *a, const float *b,
                                                            float *o, int64_t rows, int c, int c0,
                                                            const float *p) {
  __mmask16 m[4];
  __m512 u[4], s[4], w[4];
  for (int v = 0; v < NV; v++) {
    const int k = c - c0 - 16 * v;
    m[v] = k >= 16 ? 0xFFFF : (__mmask16)((1u << k) - 1);
    u[v] = _mm512_maskz_loadu_ps(m[v], p + c0 + 16 * v);
    s[v] = _mm512_maskz_loadu_ps(m[v], p + c + c0 + 16 * v);
    w[v] = b ? _mm512_maskz_loadu_ps(m[v], p + 2 * c + c0 + 16 * v) : _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < rows; i++) {
    const float *ar = a + i * c + c0;
    float *orow = o + i * c + c0;
    if (b) {
      const float *br = b + i * c + c0;
      for (int v = 0; v < NV; v++) {
        const __m512 av = _mm512_maskz_loadu_ps(m[v], ar + 16 * v);
        const __m512 bv = _mm512_maskz_loadu_ps(m[v], br + 16 * v);
        _mm512_mask_storeu_ps(orow + 16 * v, m[v],
                              _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(av, u[v]), _mm512_mul_ps(bv, s[v])), w[v]));
      }
    } else {
      for (int v = 0; v < NV; v++)
        _mm512_mask_storeu_ps(orow + 16 * v, m[v],
                              _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m[v], ar + 16 * v), u[v]), s[v]));
    }
  }
}

static void affine(const float *a, const float *b, float *o, int64_t rows, int c, const float *p) {
  for (int c0 = 0; c0 < c; c0 += 64) {
    const int nv = (c - c0 + 15) / 16;
    if (nv == 1) affine_nv(1, a, b, o, rows, c, c0, p);
    else if (nv == 2) affine_nv(2, a, b, o, rows, c, c0, p);
    else if (nv == 3) affine_nv(3, a, b, o, rows, c, c0, p);
    else affine_nv(4, a, b, o, rows, c, c0, p);
  }
}
#else
static void sums(const float *a, const float *b, int64_t rows, int c, const float *ref, double *out) {
  memset(out, 0, sizeof(double) * 2 * (size_t)c);
  float s1[MAX_C], s2[MAX_C];
  for (int64_t r0 = 0; r0 < rows; r0 += BLOCK) {
    const int64_t r1 = r0 + BLOCK < rows ? r0 + BLOCK : rows;
    for (int j = 0; j < c; j++) s1[j] = s2[j] = 0;
    for (int64_t i = r0; i < r1; i++)
      for (int j = 0; j < c; j++) {
        const float av = a[i * c + j];
        if (b) {
          s1[j] += av;
          s2[j] += av * (b[i * c + j] - ref[j]);
        } else {
          const float d = av - ref[j];
          s1[j] += d;
          s2[j] += d * d;
        }
      }
    for (int j = 0; j < c; j++) {
      out[j] += s1[j];
      out[c + j] += s2[j];
    }
  }
}

static void affine(const float *a, const float *b, float *o, int64_t rows, int c, const float *p) {
  for (int64_t i = 0; i < rows; i++)
    for (int j = 0; j < c; j++)
      o[i * c + j] = b ? a[i * c + j] * p[j] + b[i * c + j] * p[c + j] + p[2 * c + j]
                       : a[i * c + j] * p[j] + p[c + j];
}
#endif

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *n) {
  napi_typedarray_type t;
  return napi_get_typedarray_info(env, v, &t, n, data, NULL, NULL) == napi_ok && t == want;
}

/* Reads heap, tensor offsets (a negative one: absent), rows and c; checks that every present
 * tensor of rows x c floats lies inside the heap. Returns the heap's base or NULL (thrown). */
static uint8_t *heap_args(napi_env env, napi_value *argv, int tensors, int64_t *off, int32_t *rows,
                          int32_t *c, const char *name) {
  void *heap = NULL;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &heap, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, name);
    return NULL;
  }
  for (int t = 0; t < tensors; t++) {
    int32_t v = 0;
    if (napi_get_value_int32(env, argv[1 + t], &v) != napi_ok) {
      napi_throw_type_error(env, NULL, name);
      return NULL;
    }
    off[t] = v;
  }
  if (napi_get_value_int32(env, argv[1 + tensors], rows) != napi_ok ||
      napi_get_value_int32(env, argv[2 + tensors], c) != napi_ok) {
    napi_throw_type_error(env, NULL, name);
    return NULL;
  }
  if (*rows < 1 || *c < 1 || *c > MAX_C) {
    napi_throw_range_error(env, NULL, "batch-norm kernels: rows >= 1 and 1 <= channels <= 1024");
    return NULL;
  }
  const size_t size = (size_t)*rows * (size_t)*c * sizeof(float);
  for (int t = 0; t < tensors; t++)
    if (off[t] >= 0 && ((size_t)off[t] % 4 != 0 || (size_t)off[t] + size > bytes)) {
      napi_throw_range_error(env, NULL, "batch-norm kernels: operand outside the heap");
      return NULL;
    }
  return heap;
}

static napi_value n_sums(napi_env env, napi_callback_info info) {
  static const char *usage = "channelSums(heap, a, b (-1: none), rows, c, ref: Float32Array(c), out: Float64Array(2c))";
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  int64_t off[2];
  int32_t rows, c;
  uint8_t *base = heap_args(env, argv, 2, off, &rows, &c, usage);
  if (!base) return NULL;
  void *ref, *out;
  size_t nref, nout;
  if (off[0] < 0 || !typed(env, argv[5], napi_float32_array, &ref, &nref) ||
      !typed(env, argv[6], napi_float64_array, &out, &nout) || nref != (size_t)c ||
      nout != 2 * (size_t)c) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  sums((const float *)(base + off[0]), off[1] < 0 ? NULL : (const float *)(base + off[1]), rows, c,
       ref, out);
  return NULL;
}

static napi_value n_affine(napi_env env, napi_callback_info info) {
  static const char *usage =
      "channelAffine(heap, a, b (-1: none), out, rows, c, p: Float32Array(2c, or 3c with b))";
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  int64_t off[3];
  int32_t rows, c;
  uint8_t *base = heap_args(env, argv, 3, off, &rows, &c, usage);
  if (!base) return NULL;
  void *p;
  size_t np;
  if (off[0] < 0 || off[2] < 0 || !typed(env, argv[6], napi_float32_array, &p, &np) ||
      np != (size_t)c * (off[1] < 0 ? 2 : 3)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  affine((const float *)(base + off[0]), off[1] < 0 ? NULL : (const float *)(base + off[1]),
         (float *)(base + off[2]), rows, c, p);
  return NULL;
}

napi_status batch_norm_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"channelSums", NULL, n_sums, NULL, NULL, NULL, napi_default, NULL},
      {"channelAffine", NULL, n_affine, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
