import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EarshotError } from "../../../shared/errors";
import type { SynthConfig } from "./config";
import type { ClipDefect } from "./quality";
import type { Speaker } from "./speakers";

/**
 * `synth-manifest.json` at the corpus root: the config that made the corpus, its speakers (so
 * a clip's voice can be looked up from its file name), and whether the run finished. Which
 * clips exist is not listed: every clip is written atomically, so a valid file on disk is the
 * record that it is done, and an interrupted run resumes by skipping those.
 */
export const MANIFEST_NAME = "synth-manifest.json";

export interface SynthManifest {
  tool: "earshot data synth";
  config: SynthConfig;
  complete: boolean;
  clips: number;
  noiseFiles: string[];
  speakers: Speaker[];
  /** Takes dropped as unfit (quality.ts), by path; absent when none was. */
  dropped?: { rel: string; defect: ClipDefect }[];
}

export class ManifestError extends EarshotError {
  constructor(message: string) {
    super("manifest", message);
    this.name = "ManifestError";
  }
}

export function readManifest(root: string): SynthManifest | null {
  const path = join(root, MANIFEST_NAME);
  if (!existsSync(path)) return null;
  let m: SynthManifest;
  try {
    m = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ManifestError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (m?.tool !== "earshot data synth" || typeof m.config !== "object" || m.config === null)
    throw new ManifestError(`${path}: not an earshot synth manifest`);
  return m;
}

export function writeManifest(root: string, m: SynthManifest): void {
  const path = join(root, MANIFEST_NAME);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(m, null, 1)}\n`);
  renameSync(`${path}.tmp`, path);
}
