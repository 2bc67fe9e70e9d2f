/**
 * The models shipped in the repository under models/ (trained by `earshot recipe kws12`, see
 * models/README.md): what `device run`, `fleet simulate` and the demo use when no model is given.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ModelError } from "./errors";

export const SHIPPED_DIR = resolve(import.meta.dirname, "../../models");

export const SHIPPED = {
  int8: resolve(SHIPPED_DIR, "kws12-int8.esm"),
  binary: resolve(SHIPPED_DIR, "kws12-binary.esm"),
  synthInt8: resolve(SHIPPED_DIR, "kws12-synth-int8.esm"),
  /** res8-stream: the device runs each 100 ms stride on its new frames only (issue 12). */
  int8Stream: resolve(SHIPPED_DIR, "kws12-int8-stream.esm"),
} as const;

/** `given`, or the shipped int8 model when none was given (an error naming both if it is missing). */
export function modelOrShipped(given: string | undefined): string {
  if (given !== undefined) return given;
  if (!existsSync(SHIPPED.int8))
    throw new ModelError(`no --model given and the shipped model ${SHIPPED.int8} is missing`);
  return SHIPPED.int8;
}
