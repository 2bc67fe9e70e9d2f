/* Per-channel passes of batch norm in training (host/train/kernels/batch-norm.ts). */
#ifndef EARSHOT_NATIVE_BATCH_NORM_H
#define EARSHOT_NATIVE_BATCH_NORM_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds channelSums and channelAffine to the addon's exports. */
napi_status batch_norm_register(napi_env env, napi_value exports);

#endif
