/**
 * `earshot eval` on an exported device model file: the integer evaluation must classify each
 * clip exactly as the device runtime does on its first inference over the same audio, and bad
 * files end in one clear line.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEngine } from "../../device/engines/run";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { encodeWav16 } from "../../host/data/wav/write";
import { evalExportedModel } from "../../host/eval/exported";
import { encodeModel } from "../../shared/model-format/encode";

/** A test-set-layout folder with a few tone/noise clips per class of the synthetic model. */
function tinyTestSet(): { dir: string; clips: { path: string; samples: Int16Array }[] } {
  const dir = mkdtempSync(join(tmpdir(), "earshot-evalx-"));
  const rng = new Rng(3);
  const clips: { path: string; samples: Int16Array }[] = [];
  const folders: [string, string][] = [
    ["yes", "a1b2c3d4_nohash_0.wav"],
    ["yes", "b1b2c3d4_nohash_0.wav"],
    ["no", "c1b2c3d4_nohash_0.wav"],
    ["_unknown_", "bed_d1b2c3d4_nohash_0.wav.wav"],
    ["_silence_", "1.wav"],
  ];
  folders.forEach(([folder, name], k) => {
    mkdirSync(join(dir, folder), { recursive: true });
    const s = new Int16Array(16000);
    const f = 200 + 300 * k;
    for (let i = 0; i < s.length; i++) {
      s[i] = Math.round(8000 * Math.sin((2 * Math.PI * f * i) / 16000) + 500 * rng.normal());
    }
    const path = join(dir, folder, name);
    writeFileSync(path, encodeWav16(s, 16000, true));
    clips.push({ path, samples: s });
  });
  return { dir, clips };
}

const argmax = (v: number[]) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);

describe("eval of an exported model file", () => {
  it("scores every clip as the device runtime's first inference does", async () => {
    const model = syntheticInt8Model({ seed: 21 });
    const dir = mkdtempSync(join(tmpdir(), "earshot-evalx-model-"));
    const file = join(dir, "m.earshot");
    const bytes = Uint8Array.from(encodeModel(model));
    writeFileSync(file, bytes);
    const { dir: data, clips } = tinyTestSet();
    const report = await evalExportedModel(file, { model: file, data });
    expect(report.n).toBe(clips.length);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(clips.length);
    // Independent path: the device runtime on each clip; its first inference sees frames 0..T-1.
    const confusion = model.labels.map(() => model.labels.map(() => 0));
    const truth = ["yes", "yes", "no", "_unknown_", "_silence_"].map((l) =>
      model.labels.indexOf(l),
    );
    for (let i = 0; i < clips.length; i++) {
      const r = await runEngine("node", bytes, clips[i].samples, {
        threshold: 1, // only the scores are compared; detections are not looked at
        smoothingWindow: 1,
        strideFrames: 1,
        suppressionMs: 0,
      });
      confusion[truth[i]][argmax(r.scores[0])]++;
    }
    expect(report.confusion).toEqual(confusion);
    // The interval brackets the accuracy and counts the clips' speakers.
    expect(report.bySpeaker.speakers).toBeGreaterThan(0);
    expect(report.bySpeaker.speakers).toBeLessThanOrEqual(clips.length);
    expect(report.bySpeaker.ci95[0]).toBeLessThanOrEqual(report.accuracy);
    expect(report.bySpeaker.ci95[1]).toBeGreaterThanOrEqual(report.accuracy);
  });

  it("--against scores a second model on the same clips: the paired gain and its interval", async () => {
    const dir = mkdtempSync(join(tmpdir(), "earshot-evalx-pair-"));
    const a = join(dir, "a.earshot");
    const b = join(dir, "b.earshot");
    writeFileSync(a, Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 21 }))));
    writeFileSync(b, Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 22 }))));
    const { dir: data } = tinyTestSet();
    const self = await evalExportedModel(a, { model: a, data, against: a });
    expect(self.versus).toEqual({ model: a, accuracy: self.accuracy, gain: 0, ci95: [0, 0] });
    const ab = await evalExportedModel(a, { model: a, data, against: b });
    const ba = await evalExportedModel(b, { model: b, data });
    expect(ab.versus?.accuracy).toBe(ba.accuracy);
    expect(ab.versus?.gain).toBeCloseTo(ab.accuracy - ba.accuracy, 12);
    const [lo, hi] = ab.versus?.ci95 ?? [1, -1];
    expect(lo).toBeLessThanOrEqual(ab.versus?.gain ?? 0);
    expect(hi).toBeGreaterThanOrEqual(ab.versus?.gain ?? 0);
  });

  it("rejects a corrupt model file with one line and a non-zero exit", () => {
    const dir = mkdtempSync(join(tmpdir(), "earshot-evalx-bad-"));
    const file = join(dir, "bad.earshot");
    writeFileSync(file, Buffer.from("ESHT garbage that is not a model"));
    const r = spawnSync(
      process.execPath,
      ["bin/earshot.js", "eval", "--model", file, "--data", dir],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.earshot: not a valid earshot model/);
  });
});
