/**
 * Chooses the TensorFlow.js backend for training, fastest first:
 *   1. tfjs-node (native libtensorflow) when it is installed and loads;
 *   2. the wasm backend (SIMD) with earshot's gradient kernels (kernels/register.ts). Its
 *      threaded build needs browser-style Workers: under Node tfjs reports no multithread
 *      support, and forcing it was measured ~60x slower, so training runs on one thread;
 *   3. the pure-JS CPU backend, with a loud warning (convolutions are ~100x slower).
 */
export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  simd: boolean;
  threads: boolean;
  /** Set when training will be slow or something expected failed to load. */
  warning?: string;
}

let loaded: BackendInfo | undefined;

export async function loadBackend(
  opts: { quiet?: boolean; prefer?: BackendName } = {},
): Promise<BackendInfo> {
  if (loaded) return loaded;
  const tf = await import("@tensorflow/tfjs");
  const { registerEarshotGradients } = await import("./kernels/gradients");
  registerEarshotGradients();
  const notes: string[] = [];
  if (opts.prefer === undefined || opts.prefer === "tensorflow") {
    try {
      const nodeModule = "@tensorflow/tfjs-node";
      await import(nodeModule);
      if (await tf.setBackend("tensorflow")) {
        loaded = { name: "tensorflow", simd: true, threads: true };
        return loaded;
      }
    } catch (err) {
      notes.push(`tfjs-node unavailable (${(err as Error).message.split("\n")[0]})`);
    }
  }
  if (opts.prefer === undefined || opts.prefer === "wasm" || opts.prefer === "tensorflow") {
    try {
      // Importing registers the backend and its stock kernels; ours replace some of them.
      await import("@tensorflow/tfjs-backend-wasm");
      const { registerWasmGradientKernels } = await import("./kernels/register");
      registerWasmGradientKernels();
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        const env = tf.env();
        loaded = {
          name: "wasm",
          simd: Boolean(await env.getAsync("WASM_HAS_SIMD_SUPPORT")),
          threads: Boolean(await env.getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
        };
        return loaded;
      }
    } catch (err) {
      notes.push(`wasm backend failed (${(err as Error).message.split("\n")[0]})`);
    }
  }
  await tf.setBackend("cpu");
  loaded = {
    name: "cpu",
    simd: false,
    threads: false,
    warning: `training on the pure-JS CPU backend is very slow; ${notes.join("; ")}`,
  };
  if (!opts.quiet) process.stderr.write(`WARNING: ${loaded.warning}\n`);
  return loaded;
}
