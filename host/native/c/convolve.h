/* The reverb's FFT convolution for host/data/convolve.ts. */
#ifndef EARSHOT_NATIVE_CONVOLVE_H
#define EARSHOT_NATIVE_CONVOLVE_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds convolveReal to the addon's exports. */
napi_status convolve_register(napi_env env, napi_value exports);

#endif
