/**
 * The fastest host integer inference this machine has, chosen once at start-up: the native
 * addon (host/native, when deploy/native.sh built it), else the wasm SIMD kernels with the model
 * resident in wasm memory, else the caller's fallback (host/eval passes the portable reference
 * kernels; the trainer's online teacher has none). All run the device's integer semantics, bit
 * for bit; `path` says which one runs (benches and `earshot doctor` print it).
 *
 * Its own folder, below eval and train: both run models this way, and train may not import eval.
 */
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import type { DeviceModel } from "../../shared/model-format/types";
import { type NativeAddon, nativeAddon } from "../native/load";
import { InferenceError } from "./errors";
import { NativeResidentModel } from "./native-resident";
import { ResidentWasmModel } from "./wasm-resident";

export type HostInferencePath = "native" | "wasm-simd" | "reference";

export interface HostIntModel {
  readonly path: HostInferencePath;
  /** Raw output values (as IntEvaluator's `output`) for one input. */
  run(features: ArrayLike<number>): number[];
}

/** The path openHostIntModel takes on this machine. */
export function hostInferencePath(): HostInferencePath {
  return nativeAddon() !== null ? "native" : "wasm-simd";
}

/**
 * The model on the addon when there is one (`addon`, default: the loaded one), else on wasm,
 * else (no wasm build: AssemblyScript missing) on `fallback`.
 */
export function openHostIntModel(
  model: DeviceModel,
  addon: NativeAddon | null = nativeAddon(),
  fallback?: (model: DeviceModel) => HostIntModel,
): HostIntModel {
  if (addon !== null) {
    const m = new NativeResidentModel(model, addon);
    return { path: "native", run: (f) => m.run(f) };
  }
  try {
    buildDevice(false, () => {}, "wasm kernels (SIMD)");
  } catch (e) {
    if (fallback) return fallback(model);
    throw new InferenceError(
      `no host integer kernels: the native addon is not built (deploy/native.sh) and the wasm kernels did not build (${(e as Error).message})`,
    );
  }
  const m = new ResidentWasmModel(model, buildOutputs().wasmSimd);
  return { path: "wasm-simd", run: (f) => m.run(f) };
}
