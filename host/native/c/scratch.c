/* The per-thread scratch block (scratch.h). Kept for the thread's life: at most ~1 MB (the
 * reverb's longest convolution), not freed when a worker thread ends. */
#include "scratch.h"

#include <stdlib.h>

static _Thread_local double *block = NULL;
static _Thread_local size_t blockLen = 0;

double *native_scratch(size_t n) {
  if (blockLen < n) {
    double *grown = realloc(block, n * sizeof(double));
    if (!grown) return NULL;
    block = grown;
    blockLen = n;
  }
  return block;
}
