/* Harness for test/kernels/c-int8.test.ts: reads cases of the int8 depthwise kernel from stdin
 * (per case: inH inW inC outC kH kW strideH strideW padTop padLeft outH outW inZp outZp actMin
 * actMax, then x, w, bias, mult, shift) and prints es_depthwise_conv2d_s8's output per case
 * ("declined" when it does not apply). */
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"

static int read_ints(int32_t *a, int n) {
  for (int i = 0; i < n; i++)
    if (scanf("%d", &a[i]) != 1) return 0;
  return 1;
}

int main(void) {
  int32_t h[16];
  while (read_ints(h, 16)) {
    es_geom g = {h[0], h[1], h[2], h[10], h[11], h[3], h[4], h[5], h[6], h[7], h[8], h[9]};
    es_requant q = {h[12], h[13], h[14], h[15]};
    const int nx = g.inH * g.inW * g.inC, nw = g.kH * g.kW * g.outC, no = g.outH * g.outW * g.outC;
    int32_t *xi = malloc(sizeof(int32_t) * nx), *wi = malloc(sizeof(int32_t) * nw);
    int32_t *b = malloc(sizeof(int32_t) * g.outC), *m = malloc(sizeof(int32_t) * g.outC),
            *s = malloc(sizeof(int32_t) * g.outC);
    int8_t *x = malloc(nx), *w = malloc(nw), *o = malloc(no);
    if (!read_ints(xi, nx) || !read_ints(wi, nw) || !read_ints(b, g.outC) || !read_ints(m, g.outC) ||
        !read_ints(s, g.outC))
      return 2;
    for (int i = 0; i < nx; i++) x[i] = (int8_t)xi[i];
    for (int i = 0; i < nw; i++) w[i] = (int8_t)wi[i];
    if (!es_depthwise_conv2d_s8(x, w, b, m, s, &g, &q, o)) printf("declined");
    else
      for (int i = 0; i < no; i++) printf(i ? " %d" : "%d", o[i]);
    printf("\n");
    free(xi), free(wi), free(b), free(m), free(s), free(x), free(w), free(o);
  }
  return 0;
}
