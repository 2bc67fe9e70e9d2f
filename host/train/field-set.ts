/**
 * Field windows (host/data/field-windows.ts) as a training source: a FeatureSet the batch stream
 * mixes into every batch at its share. The windows have no audio behind them, so they are never
 * augmented in the waveform (time shift and SpecAugment still apply).
 */
import { readFieldWindows } from "../data/field-windows";
import { TrainError } from "./errors";
import type { FeatureSet } from "./features";

export function loadFieldSet(
  dir: string,
  labels: readonly string[],
  frames: number,
  coeffs: number,
): FeatureSet {
  const { manifest, data } = readFieldWindows(dir);
  if (manifest.frames !== frames || manifest.coeffs !== coeffs)
    throw new TrainError(
      `--field-windows ${dir}: windows are ${manifest.frames}x${manifest.coeffs}, this front end makes ${frames}x${coeffs}`,
    );
  const ids = manifest.windows.map((w) => {
    const i = labels.indexOf(w.label);
    if (i < 0)
      throw new TrainError(
        `--field-windows ${dir}: label '${w.label}' is not one of this run's (${labels.join(", ")})`,
      );
    return i;
  });
  if (ids.length === 0) throw new TrainError(`--field-windows ${dir}: no windows`);
  return {
    frames,
    coeffs,
    data,
    labels: Int32Array.from(ids),
    // No clip behind a field window: examples name their source for logs only.
    examples: ids.map((label, i) => ({
      kind: "file",
      path: `${dir}#${i}`,
      label,
      word: manifest.windows[i].label,
      speaker: null,
    })),
    failed: [],
  };
}
