/**
 * `earshot keywords add`: a custom keyword in a second language end to end on a tiny budget
 * (corpus from the language's eSpeak NG voices, one short training epoch, int8 export, a 12 s
 * validation stream, calibration), the word in Cyrillic with an ASCII label; and the one-line
 * refusal of a non-a-z word without a label. Skips loudly without the optional eSpeak NG.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ESPEAK_PACKAGE } from "../../host/data/synth/tts/espeak";
import { decodeModel } from "../../shared/model-format/decode";
import { haveEspeak } from "../synth/espeak-available";

const CLI = resolve(import.meta.dirname, "../../bin/earshot.js");
const earshot = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 240_000 });

it("refuses a word outside a-z without --label, in one line", () => {
  const r = earshot([
    "keywords",
    "add",
    "--word",
    "привет",
    "--lang",
    "ru",
    "--out",
    "/nonexistent/x",
  ]);
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim()).toMatch(/^earshot: 'привет' is not a-z: pass --label NAME/);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
});

describe.skipIf(!haveEspeak)(`keywords add [needs ${ESPEAK_PACKAGE}]`, () => {
  it("ru 'привет' as 'privet': corpus, training, export and calibration in one command", () => {
    const out = join(mkdtempSync(join(tmpdir(), "earshot-kw-")), "privet");
    // biome-ignore format: flag list
    const r = earshot([
      "keywords", "add", "--word", "привет", "--label", "privet", "--lang", "ru", "--out", out,
      "--per-word", "30", "--unknown-per-word", "3", "--speakers", "40", "--epochs", "1",
      "--steps-per-epoch", "2", "--stream-minutes", "0.2", "--target-fa-per-hour", "1000", "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    // Progress: each step announced on stderr.
    expect(r.stderr).toMatch(/== \[1\/5\] synthesize 'привет' \(ru voices\)/);
    expect(r.stderr).toMatch(/== \[5\/5\] calibrate/);
    const summary = JSON.parse(r.stdout) as { model: string; steps: unknown[] };
    expect(summary.steps).toHaveLength(5);
    const manifest = JSON.parse(readFileSync(join(out, "corpus", "synth-manifest.json"), "utf8"));
    expect(manifest.config.lang).toBe("ru");
    expect(manifest.config.say).toEqual({ privet: "привет" });
    expect(existsSync(join(out, "corpus", "privet"))).toBe(true);
    const model = decodeModel(Array.from(readFileSync(summary.model)));
    expect(model.labels).toEqual(["_silence_", "_unknown_", "privet"]);
    const calibrated = JSON.parse(readFileSync(join(out, "reports", "calibrate.json"), "utf8"));
    // The calibrated threshold and smoothing are the file's detector defaults.
    expect(calibrated.targetFaPerHour).toBe(1000);
    expect(model.threshold).toBe(calibrated.threshold);
    expect(model.smoothingWindow).toBe(calibrated.smoothingWindow);
  }, 240_000);
});
