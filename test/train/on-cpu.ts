import * as tf from "@tensorflow/tfjs";

/** fn's result on the tfjs CPU backend (the reference of every training kernel), then back to wasm. */
export function onCpu<T>(fn: () => T): T {
  tf.setBackend("cpu");
  try {
    return fn();
  } finally {
    tf.setBackend("wasm");
  }
}
