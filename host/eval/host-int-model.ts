/**
 * The fastest host integer inference this machine has, chosen once at start-up: the native
 * addon (host/native, when deploy/native.sh built it), else the wasm SIMD kernels with the model
 * resident in wasm memory, else (no wasm build: AssemblyScript missing) the portable reference
 * kernels. All run the device's integer semantics, bit for bit; `path` says which one runs
 * (benches and `earshot doctor` print it).
 */
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import type { DeviceModel } from "../../shared/model-format/types";
import { IntEvaluator } from "../compress/int-eval";
import { type NativeAddon, nativeAddon } from "../native/load";
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

/** The model on the addon when there is one (`addon`, default: the loaded one), else on wasm. */
export function openHostIntModel(
  model: DeviceModel,
  addon: NativeAddon | null = nativeAddon(),
): HostIntModel {
  if (addon !== null) {
    const m = new NativeResidentModel(model, addon);
    return { path: "native", run: (f) => m.run(f) };
  }
  try {
    buildDevice(false, () => {}, "wasm kernels (SIMD)");
  } catch {
    const ev = new IntEvaluator(model);
    return { path: "reference", run: (f) => ev.run(f).output };
  }
  const m = new ResidentWasmModel(model, buildOutputs().wasmSimd);
  return { path: "wasm-simd", run: (f) => m.run(f) };
}
