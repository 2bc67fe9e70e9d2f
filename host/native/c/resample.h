/* The polyphase resampler's inner loop for host/data/resample.ts. */
#ifndef EARSHOT_NATIVE_RESAMPLE_H
#define EARSHOT_NATIVE_RESAMPLE_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds resamplePolyphase to the addon's exports. */
napi_status resample_register(napi_env env, napi_value exports);

#endif
