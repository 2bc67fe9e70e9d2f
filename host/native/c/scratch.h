/* A per-thread scratch block for the addon's augmentation stages (vtlp.c, convolve.c). */
#ifndef EARSHOT_NATIVE_SCRATCH_H
#define EARSHOT_NATIVE_SCRATCH_H
#include <stddef.h>

/* At least n doubles, this thread's, kept and grown between calls (a fresh block per clip cost
 * its page faults); contents are undefined. The caller uses it within one call only, so stages
 * share it. NULL when out of memory. */
double *native_scratch(size_t n);

#endif
