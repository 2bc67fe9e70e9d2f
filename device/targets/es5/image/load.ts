/**
 * Device profile of the image-stream bundle (earshot-device-image-stream.js; device/tools/
 * device-profiles.ts): replaces device/runtime/load.ts. The host sends a device image
 * (shared/model-format/image-write.ts) instead of the model file: the model already decoded,
 * validated and prepared, so this bundle carries none of the decoder, the graph checks or the
 * op preparers. (The whole-window image bundle loads with planned-load.ts.)
 */
import type { Kernels } from "../../../../shared/kernels/types";
import { imagePreparedOps } from "../../../../shared/model-format/image-ops";
import { readDeviceImage } from "../../../../shared/model-format/image-read";
import { Detector } from "../../../runtime/detector";
import type { FrontEndIntrinsic } from "../../../runtime/frontend-intrinsic";
import type { TensorMemory } from "../../../runtime/memory";

/** As device/runtime/load.ts loadDetector, from an image's bytes. */
export function loadDetector(
  bytes: number[],
  kernels: Kernels,
  memory: TensorMemory,
  clock: () => number,
  frontEnd: FrontEndIntrinsic | null = null,
  streaming = false,
  incremental = true,
): Detector {
  const { model, rows } = readDeviceImage(bytes, (count: number, dtype: number, bits: number) =>
    memory.constantStorage(count, dtype, bits),
  );
  bytes = [];
  const ops = imagePreparedOps(model, rows);
  return new Detector(model, kernels, memory, clock, frontEnd, ops, streaming, incremental);
}
