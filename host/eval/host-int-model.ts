/**
 * host/infer's integer inference with the portable reference kernels as the last resort, so
 * evaluation runs on any machine (host/infer/host-int-model.ts chooses the path).
 */
import type { DeviceModel } from "../../shared/model-format/types";
import { IntEvaluator } from "../compress/int-eval";
import { type HostIntModel, openHostIntModel as openFastest } from "../infer/host-int-model";
import { type NativeAddon, nativeAddon } from "../native/load";

export {
  type HostInferencePath,
  type HostIntModel,
  hostInferencePath,
} from "../infer/host-int-model";

export function openHostIntModel(
  model: DeviceModel,
  addon: NativeAddon | null = nativeAddon(),
): HostIntModel {
  return openFastest(model, addon, (m) => {
    const ev = new IntEvaluator(m);
    return { path: "reference", run: (f) => ev.run(f).output };
  });
}
