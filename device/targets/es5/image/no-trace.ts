/**
 * Device profile of the whole-window image bundle: replaces device/app/trace-lines.ts. Its
 * interpreter replays the image's run plan in the device mode only and refuses a trace at
 * load (image/interpreter.ts), so no trace reaches this.
 */

import type { EngineIo } from "../../../app/line";
import type { Detector } from "../../../runtime/detector";
import type { TensorMemory } from "../../../runtime/memory";

export function traceLines(
  _io: EngineIo,
  _det: Detector,
  _memory: TensorMemory,
): (t: number) => void {
  throw new Error("earshot-device-image.js does not trace");
}
