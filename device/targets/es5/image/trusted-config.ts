/**
 * Device profile of the image bundles: replaces shared/features/validate-config.ts. The host
 * validated the front-end configuration in full before it wrote the image
 * (device/engines/image-plan.ts deviceImage), and images are trusted as they come
 * (shared/model-format/image-read.ts), so the device checks it no further.
 */
import type { FrontEndConfig } from "../../../../shared/features/config";

export function validateConfig(cfg: FrontEndConfig): FrontEndConfig {
  return cfg;
}
