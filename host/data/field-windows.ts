/**
 * Field windows as a training dataset: feature windows devices sent from the field (detections
 * and near misses), labelled by the host verifier, written by `earshot field export` and read by
 * `earshot train --field-windows DIR`. The windows are the device's detector input with its
 * input normalization undone, i.e. front-end features as the trainer computes them from audio,
 * so the trainer normalizes them with its own statistics like every other example.
 *
 *   DIR/field-windows.json   manifest: format, model, frames, coeffs, front end, per-window labels
 *   DIR/windows.f32          count x frames x coeffs float32, little-endian, row-major
 *
 * Labels: a window the verifier scores at or above its threshold is the detected keyword (a
 * detection: a true positive; a near miss: a missed positive); under it, `_unknown_` (a false
 * accept or a near miss: a hard negative). Windows the verifier could not score are left out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatasetError } from "./dataset";
import { UNKNOWN_LABEL } from "./labels";

export const FIELD_WINDOWS_FORMAT = "earshot-field-windows/1";
export const MANIFEST_FILE = "field-windows.json";
export const DATA_FILE = "windows.f32";

export interface FieldWindowInfo {
  label: string;
  kind: "detection" | "nearMiss";
  device: string;
  keyword: string;
  score: number;
  verifierScore: number;
}

export interface FieldWindowsManifest {
  format: typeof FIELD_WINDOWS_FORMAT;
  model: string;
  frames: number;
  coeffs: number;
  /** The device model's front-end settings (key -> value). */
  frontEnd: Record<string, number>;
  verifierThreshold: number;
  windows: FieldWindowInfo[];
}

export function labelFor(keyword: string, verifierScore: number, threshold: number): string {
  return verifierScore >= threshold ? keyword : UNKNOWN_LABEL;
}

export function writeFieldWindows(dir: string, m: FieldWindowsManifest, data: Float32Array): void {
  if (data.length !== m.windows.length * m.frames * m.coeffs)
    throw new Error(`field windows: ${data.length} values for ${m.windows.length} windows`);
  writeFileSync(join(dir, DATA_FILE), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 1)}\n`);
}

const bad = (msg: string) => new DatasetError(msg);

export function readFieldWindows(dir: string): {
  manifest: FieldWindowsManifest;
  data: Float32Array;
} {
  let manifest: FieldWindowsManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"));
  } catch (e) {
    throw bad(`${join(dir, MANIFEST_FILE)}: ${(e as Error).message}`);
  }
  if (manifest.format !== FIELD_WINDOWS_FORMAT)
    throw bad(`${dir}: not an earshot field-windows export (format ${manifest.format})`);
  const raw = readFileSync(join(dir, DATA_FILE));
  const want = manifest.windows.length * manifest.frames * manifest.coeffs;
  if (raw.byteLength !== want * 4)
    throw bad(`${join(dir, DATA_FILE)}: ${raw.byteLength} bytes, want ${want * 4}`);
  const data = new Float32Array(want);
  for (let i = 0; i < want; i++) data[i] = raw.readFloatLE(i * 4);
  return { manifest, data };
}
