/* Float32 training kernels of the native addon (host/train/kernels/native.ts registers them). */
#ifndef EARSHOT_NATIVE_TRAIN_H
#define EARSHOT_NATIVE_TRAIN_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds the training kernels to the addon's exports. */
napi_status train_register(napi_env env, napi_value exports);

#endif
