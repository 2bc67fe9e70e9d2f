/* earshot's C kernels as an Espruino library (jswrap_earshot.c). */
#include "jsvar.h"

JsVar *jswrap_earshot_impl(void);
int jswrap_earshot_min_store_bytes(void);
bool jswrap_earshot_count_from_here(void);

void jswrap_earshot_conv2d(JsVar *args);
void jswrap_earshot_depthwise_conv2d(JsVar *args);
void jswrap_earshot_binary_conv2d_int(JsVar *args);
void jswrap_earshot_dense(JsVar *args);
void jswrap_earshot_binary_dense_int(JsVar *args);
void jswrap_earshot_binary_conv2d(JsVar *args);
void jswrap_earshot_binary_dense(JsVar *args);
void jswrap_earshot_binarize(JsVar *args);
void jswrap_earshot_avg_pool2d(JsVar *x, JsVar *geom, JsVar *act, JsVar *out);
void jswrap_earshot_max_pool2d(JsVar *x, JsVar *geom, JsVar *act, JsVar *out);
void jswrap_earshot_global_avg_pool(JsVar *args);
void jswrap_earshot_global_max_pool(JsVar *args);
void jswrap_earshot_tflm_requantize(JsVar *args);
void jswrap_earshot_add(JsVar *a, JsVar *b, JsVar *p, JsVar *out);
void jswrap_earshot_quantize(JsVar *x, JsVar *p, JsVar *out);
void jswrap_earshot_softmax(JsVar *x, JsVar *lut, int n, JsVar *out);
int jswrap_earshot_frontend_init(JsVar *frontEnd);
void jswrap_earshot_frontend_frame(JsVar *args);
void jswrap_earshot_frontend_quantizer(int handle, JsVar *q, JsVar *mean, JsVar *std);
int jswrap_earshot_frontend_push_quantized(JsVar *args);
void jswrap_earshot_copy(JsVar *args);
void jswrap_earshot_copy_scaled(JsVar *args);
void jswrap_earshot_shift(JsVar *window, int n, JsVar *src, int add);
JsVar *jswrap_earshot_program_steps(void);
void jswrap_earshot_run_program(JsVar *steps);
