/*
 * The kernels of ../c-kernels/kernels.h served by the scalar wasm kernels
 * (../wasm/assembly/kernels.ts, `kernels.wasm`) inside wasm3, the MCU-class wasm interpreter.
 * Each es_* call copies its operands into the module's linear memory above heapBase(), calls the
 * export of the same name and copies the output back: per layer, never per element.
 */
#ifndef EARSHOT_WASM3_KERNELS_H
#define EARSHOT_WASM3_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Loads and links kernels.wasm; 0 on success, else writes why into msg. */
int es_wasm3_load(const char *path, char *msg, size_t msgLen);

/* The first failure (trap, memory growth) since the last call, then clears it; NULL if none.
 * A failed es_* call has left its output unspecified. */
const char *es_wasm3_take_error(void);

/* Bytes of wasm linear memory now (it only grows: the largest layer's operands). */
uint32_t es_wasm3_memory_bytes(void);

#endif
