/* Adam's update of one variable in one pass (host/train/adam.ts). */
#ifndef EARSHOT_NATIVE_ADAM_H
#define EARSHOT_NATIVE_ADAM_H
#define NAPI_VERSION 8
#include <node_api.h>

/* Adds adamStep to the addon's exports. */
napi_status adam_register(napi_env env, napi_value exports);

#endif
