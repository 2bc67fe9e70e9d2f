/**
 * `earshot recipe kws12 --teacher-seeds N` end to end on a tiny budget (the committed speech
 * fixtures, one step per epoch, half-minute streams): the recipe's own seed runs are trained and
 * exported first, untaught, and their files teach the run (one seed here: the step lists of
 * several are test/pipeline/kws12.test.ts's); a rerun continues every folder rather
 * than training a teacher again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeModel } from "../../shared/model-format/decode";
import { earshot, makeNoise, RUN_LIMIT_MS, tinyRecipe } from "./recipe-cli";

const root = mkdtempSync(join(tmpdir(), "earshot-kws12-seeds-"));
const noise = join(root, "noise");
const out = join(root, "run");
const recipe = tinyRecipe(out, noise, ["--teacher-seeds", "1"]);

beforeAll(() => makeNoise(noise));
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
