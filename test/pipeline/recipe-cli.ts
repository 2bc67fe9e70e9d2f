/**
 * What the tiny end-to-end `earshot recipe kws12` tests share: the CLI as a child process, and a
 * noise folder long enough for the streams (the fixture's own noise file is 0.1 s, too short to
 * leave a test region for the stream bed).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeWav16 } from "../../host/data/wav/write";
import { testSignal } from "../device/golden";
import { FIXTURE_SPEECH } from "../speech-data";

const CLI = resolve(import.meta.dirname, "../../bin/earshot.js");

/**
 * A recipe run here takes 30-60 s on an idle 2-core machine and several times that beside a
 * training run: the limit is a hang guard, not a timing.
 */
export const RUN_LIMIT_MS = 600_000;

export const earshot = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: RUN_LIMIT_MS });

/** Writes 3 s of seeded noise as `dir`/noise.wav. */
export function makeNoise(dir: string): void {
  mkdirSync(dir);
  writeWav16(
    join(dir, "noise.wav"),
    Array.from(testSignal(9, 3 * 16000), (v) => v / 32768),
  );
}

/** The recipe on the speech fixture at one step per epoch and half-minute streams, into `out`. */
// biome-ignore format: flag list
export const tinyRecipe = (out: string, noise: string, extra: string[]) => [
  "recipe", "kws12", "--out", out, "--real", FIXTURE_SPEECH.full, "--corpus", FIXTURE_SPEECH.full,
  "--noise", noise, "--epochs", "1", "--qat-epochs", "1", "--steps-per-epoch", "1",
  "--stream-minutes", "0.5", "--target-fa-per-hour", "1000", "--json", ...extra,
];
