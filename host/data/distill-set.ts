/**
 * A distillation set: student features of augmented clips with the teacher's soft labels,
 * computed once (`earshot teacher distill-set`) and mixed into training batches
 * (`earshot train --distill-set DIR:SHARE`), so the teacher costs the trainer nothing per step.
 *
 *   DIR/distill-set.json   manifest: format, labels, frames, coeffs, temperature, per-row label
 *                          and fold, provenance
 *   DIR/features.f32       rows x frames x coeffs float32 LE: front-end features (not normalized)
 *   DIR/targets.f32        rows x classes float32 LE: softmax(teacher logits / temperature)
 *
 * Each row is one version of a clip (as recorded or an augmented copy); its soft label is the
 * teacher's verdict on that very audio, not on the clean clip it came from.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatasetError } from "./dataset";

export const DISTILL_SET_FORMAT = "earshot-distill-set/1";
export const DISTILL_MANIFEST = "distill-set.json";
export const DISTILL_FEATURES = "features.f32";
export const DISTILL_TARGETS = "targets.f32";

export interface DistillRow {
  /** Example id of the clip (example-id.ts); augmented copies repeat it. */
  id: string;
  /** 0: the clip as recorded; k > 0: augmented copy k. */
  copy: number;
  /** Hard label (index into labels). */
  label: number;
  /** Cross-fitting fold whose head labelled the row; -1: the mean of all heads (a clip no head trained on). */
  fold: number;
}

export interface DistillManifest {
  format: typeof DISTILL_SET_FORMAT;
  labels: string[];
  frames: number;
  coeffs: number;
  temperature: number;
  rows: DistillRow[];
  provenance: Record<string, unknown>;
}

export interface DistillSet {
  manifest: DistillManifest;
  features: Float32Array;
  targets: Float32Array;
}

function bytesOf(a: Float32Array): Buffer {
  const b = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i], i * 4);
  return b;
}

function floatsOf(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function writeDistillSet(dir: string, s: DistillSet): void {
  const { manifest: m, features, targets } = s;
  const n = m.rows.length;
  if (features.length !== n * m.frames * m.coeffs)
    throw new RangeError(`distill set: ${features.length} feature values for ${n} rows`);
  if (targets.length !== n * m.labels.length)
    throw new RangeError(`distill set: ${targets.length} target values for ${n} rows`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DISTILL_FEATURES), bytesOf(features));
  writeFileSync(join(dir, DISTILL_TARGETS), bytesOf(targets));
  writeFileSync(join(dir, DISTILL_MANIFEST), `${JSON.stringify(m)}\n`);
}

/** Reads and checks a distill set; `expectLabels` guards against a teacher of other classes. */
export function readDistillSet(dir: string, expectLabels?: readonly string[]): DistillSet {
  let manifest: DistillManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, DISTILL_MANIFEST), "utf8"));
  } catch (e) {
    throw new DatasetError(`${join(dir, DISTILL_MANIFEST)}: ${(e as Error).message}`);
  }
  if (manifest.format !== DISTILL_SET_FORMAT)
    throw new DatasetError(`${dir}: not an earshot distill set (format ${manifest.format})`);
  if (expectLabels && manifest.labels.join(",") !== expectLabels.join(","))
    throw new DatasetError(
      `${dir}: labels ${manifest.labels.join(",")} differ from ${expectLabels.join(",")}`,
    );
  const n = manifest.rows.length;
  const features = floatsOf(readFileSync(join(dir, DISTILL_FEATURES)));
  const targets = floatsOf(readFileSync(join(dir, DISTILL_TARGETS)));
  if (features.length !== n * manifest.frames * manifest.coeffs)
    throw new DatasetError(
      `${join(dir, DISTILL_FEATURES)}: ${features.length} values for ${n} rows`,
    );
  if (targets.length !== n * manifest.labels.length)
    throw new DatasetError(`${join(dir, DISTILL_TARGETS)}: ${targets.length} values for ${n} rows`);
  return { manifest, features, targets };
}
