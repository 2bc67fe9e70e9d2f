/**
 * What an OTA artifact carries: a device model file (ESHT), which the bundles with a decoder
 * check themselves, or a device image (ESHI, `earshot device image`), which the image bundles
 * (the 24 KB whole-window one among them) load with no decoder. The manifest and the transfer
 * do not care which (the bytes are opaque to them); a device takes only the kind its bundle
 * reads. The host reads either kind to fill the manifest, and checks that the device runtime
 * runs it before anything is signed, since an image bundle checks nothing itself.
 */
import type { Detector } from "../../device/runtime/detector";
import { loadDetector as loadFromModel } from "../../device/runtime/load";
import { plainMemory } from "../../device/runtime/memory";
import { loadDetector as loadFromImage } from "../../device/targets/es5/image/load";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodeModel, plainStorage } from "../../shared/model-format/decode";
import { readDeviceImage } from "../../shared/model-format/image-read";
import { isDeviceImage } from "../../shared/model-format/image-write";
import type { DeviceModel } from "../../shared/model-format/types";

export type ArtifactKind = "model" | "image";

export interface ArtifactFile {
  kind: ArtifactKind;
  /** The model's header fields (id, version, labels, front end, threshold, smoothing). */
  model: DeviceModel;
}

export const artifactKind = (bytes: ArrayLike<number>): ArtifactKind =>
  isDeviceImage(bytes) ? "image" : "model";

/**
 * Reads a model file or a device image; throws the decoder's or the image reader's error. An
 * image must carry a run plan: the whole-window image bundle replays it and has no planner.
 */
export function readArtifactFile(bytes: ArrayLike<number>): ArtifactFile {
  const arr = Array.from(bytes);
  if (artifactKind(arr) === "model") return { kind: "model", model: decodeModel(arr) };
  const image = readDeviceImage(arr, plainStorage);
  if (image.plan === null)
    throw new Error("device image without a run plan: write it again with earshot device image");
  return { kind: "image", model: image.model };
}

/** The device runtime's Detector on either kind (portable kernels), as a device would load it. */
export function artifactDetector(bytes: ArrayLike<number>, clock: () => number): Detector {
  const arr = Array.from(bytes);
  return artifactKind(arr) === "image"
    ? loadFromImage(arr, referenceKernels, plainMemory, clock)
    : loadFromModel(arr, referenceKernels, plainMemory, clock);
}

/**
 * A device's refusal of the other kind: what its bundle cannot read (kept short: the OTA
 * report carries 64 characters of it). An image device refuses whatever is not an image; a
 * model-file device leaves anything but an image to the decoder, which names the problem.
 */
export function kindMismatch(runs: ArtifactKind, got: ArrayLike<number>): string | undefined {
  const kind = artifactKind(got);
  if (kind === runs) return undefined;
  return runs === "image"
    ? "not a device image; this device loads device images"
    : "a device image; this device loads model files";
}
