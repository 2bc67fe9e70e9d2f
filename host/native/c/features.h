/* The device's C front end for host feature extraction (host/native/front-end.ts uses it). */
#ifndef EARSHOT_NATIVE_FEATURES_H
#define EARSHOT_NATIVE_FEATURES_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds frontEndCreate and frontEndExtract to the addon's exports. */
napi_status features_register(napi_env env, napi_value exports);

#endif
