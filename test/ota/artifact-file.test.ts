/**
 * What `ota publish` and the simulated devices read: a model file or a device image. The image
 * of the shipped int8 model reads with the same header fields, runs with the same scores as the
 * model file, and is refused when it cannot be loaded by the image bundles (no run plan,
 * truncated); a device refuses the kind its bundle does not load.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deviceImage } from "../../device/engines/image-plan";
import { artifactDetector, kindMismatch, readArtifactFile } from "../../host/ota/artifact-file";
import { OtaError } from "../../host/ota/errors";
import { readPublishable } from "../../host/ota/publish";
import { writeDeviceImage } from "../../shared/model-format/image-write";

const model = new Uint8Array(readFileSync("models/kws12-int8.esm"));
const image = deviceImage(model);

/** Every score the detector reports over `samples`, fed in 20 ms chunks as a device would. */
function scores(bytes: Uint8Array, samples: number[]): number[][] {
  const det = artifactDetector(bytes, () => 0);
  const out: number[][] = [];
  det.onScores((raw) => out.push(raw.slice()));
  for (let off = 0; off < samples.length; off += 320)
    det.push(samples, off, Math.min(320, samples.length - off));
  return out;
}

describe("OTA artifact files: model files and device images", () => {
  it("reads both kinds with the same header fields", () => {
    const m = readArtifactFile(model);
    const i = readArtifactFile(image);
    expect(m.kind).toBe("model");
    expect(i.kind).toBe("image");
    for (const k of ["modelId", "modelVersion", "labels", "threshold", "smoothingWindow"] as const)
      expect(i.model[k]).toEqual(m.model[k]);
  });

  it("the image's detector scores 1.5 s of audio exactly as the model file's", () => {
    let s = 12345;
    const audio = Array.from({ length: 24000 }, (_, t) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return 0.3 * Math.sin(t / 9) + 0.05 * (s / 2 ** 31 - 0.5);
    });
    const fromModel = scores(model, audio);
    expect(fromModel.length).toBeGreaterThan(3);
    expect(scores(image, audio)).toEqual(fromModel);
  });

  it("refuses an image without a run plan and a truncated image, naming the file", () => {
    const noPlan = writeDeviceImage(model);
    expect(() => readArtifactFile(noPlan)).toThrow(/without a run plan/);
    expect(() => readPublishable("old.img", noPlan)).toThrow(OtaError);
    expect(() => readPublishable("old.img", noPlan)).toThrow(/^old\.img is neither/);
    const cut = image.slice(0, image.length - 100);
    expect(() => readPublishable("cut.img", cut)).toThrow(/^cut\.img/);
    expect(() => readPublishable("junk.bin", new Uint8Array([1, 2, 3]))).toThrow(
      /junk\.bin is neither a valid earshot model file nor a device image/,
    );
  });

  it("a device takes only the kind its bundle loads", () => {
    expect(kindMismatch("image", image)).toBeUndefined();
    expect(kindMismatch("model", model)).toBeUndefined();
    expect(kindMismatch("image", model)).toMatch(
      /not a device image; this device loads device images/,
    );
    expect(kindMismatch("image", new Uint8Array([1, 2, 3]))).toMatch(/not a device image/);
    expect(kindMismatch("model", new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(kindMismatch("model", image)).toMatch(/device image; this device loads model files/);
    // The OTA report keeps 64 characters of a refusal.
    expect(kindMismatch("image", model)?.length).toBeLessThanOrEqual(64);
  });
});
