/* The vocal tract warp's phase vocoder for host/data/voice-warp.ts. */
#ifndef EARSHOT_NATIVE_VTLP_H
#define EARSHOT_NATIVE_VTLP_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds vtlpWarpFrames to the addon's exports. */
napi_status vtlp_register(napi_env env, napi_value exports);

#endif
