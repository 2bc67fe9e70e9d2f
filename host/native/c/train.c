#include "train.h"

napi_status train_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return napi_ok;
}
