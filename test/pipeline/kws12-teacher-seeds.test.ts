/**
 * `earshot recipe kws12 --teacher-seeds N` end to end on a tiny budget (the committed speech
 * fixtures, one step per epoch, half-minute streams): the recipe's own seed runs are trained and
 * exported first, untaught, and their files teach the run (one seed here: the step lists of
 * several are test/pipeline/kws12.test.ts's); a rerun continues every folder rather
 * than training a teacher again.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeWav16 } from "../../host/data/wav/write";
import { decodeModel } from "../../shared/model-format/decode";
import { testSignal } from "../device/golden";
import { FIXTURE_SPEECH } from "../speech-data";

const CLI = resolve(import.meta.dirname, "../../bin/earshot.js");
/** Hang guard, not a timing: a tiny recipe takes seconds idle, several times that on a busy host. */
const RUN_LIMIT_MS = 600_000;
const earshot = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: RUN_LIMIT_MS });

const root = mkdtempSync(join(tmpdir(), "earshot-kws12-seeds-"));
const noise = join(root, "noise");
const out = join(root, "run");
// biome-ignore format: flag list
const recipe = [
  "recipe", "kws12", "--out", out, "--real", FIXTURE_SPEECH.full, "--corpus", FIXTURE_SPEECH.full,
  "--noise", noise, "--epochs", "1", "--qat-epochs", "1", "--steps-per-epoch", "1",
  "--stream-minutes", "0.5", "--target-fa-per-hour", "1000", "--teacher-seeds", "1", "--json",
];

beforeAll(() => {
  // The fixture's own noise file is too short to leave a test region for the stream bed.
  mkdirSync(noise);
  writeWav16(
    join(noise, "noise.wav"),
    Array.from(testSignal(9, 3 * 16000), (v) => v / 32768),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
    seed: number;
    teacher?: { models: string[] };
  };

it(
  "trains seed 0 untaught, then the run taught by it; a rerun retrains neither",
  () => {
    const r = earshot(recipe);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { model: string; steps: { step: string }[] };
    const members = [0].map((s) => join(out, "teachers", `seed-${s}`));
    for (const [seed, dir] of members.entries()) {
      for (const stage of ["float", "qat"]) {
        expect(config(join(dir, stage)).seed).toBe(seed);
        expect(config(join(dir, stage)).teacher).toBeUndefined();
      }
      // A teacher is a device model file the student's trainer can load.
      const file = join(dir, "uncalibrated.esm");
      expect(decodeModel(Array.from(readFileSync(file))).labels).toHaveLength(12);
      expect(existsSync(join(dir, "stream-test.wav"))).toBe(false);
    }
    const files = members.map((d) => join(d, "uncalibrated.esm"));
    for (const stage of ["float", "qat"])
      expect(config(join(out, stage)).teacher?.models).toEqual(files);
    expect(summary.steps.filter((s) => s.step.startsWith("teacher seed "))).toHaveLength(3);
    expect(readFileSync(join(out, "card.md"), "utf8")).toContain("--teacher-seeds 1");

    // Rerun: each training step finds its folder finished and resumes past the last epoch.
    const again = earshot(recipe);
    expect(again.status, again.stderr).toBe(0);
    const resumed = again.stderr.match(/resuming .* after epoch 1 /g) ?? [];
    expect(resumed).toHaveLength(4);
  },
  RUN_LIMIT_MS * 2,
);
