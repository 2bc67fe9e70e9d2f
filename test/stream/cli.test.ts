/**
 * `earshot stream build`, `stream eval` and `calibrate` end to end on a tiny fixture corpus and
 * a synthetic model: the files written, eval's points against real device runs, a calibrated copy whose own run meets its target, and one-line errors.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEngine } from "../../device/engines/run";
import { buildDevice } from "../../device/tools/build";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { readWav } from "../../host/data";
import type { StreamEvalReport } from "../../host/stream/evaluate";
import { matchDetections } from "../../host/stream/match";
import { toInt16 } from "../../host/stream/record";
import { readTruth } from "../../host/stream/truth";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { writeFixtureDataset } from "./fixture";

// The wasm kernels `stream eval` runs by default (cached by source hash).
buildDevice();
const dir = mkdtempSync(join(tmpdir(), "earshot-stream-cli-"));
const { data } = writeFixtureDataset(dir);
const model = join(dir, "m.esm");
writeFileSync(model, Uint8Array.from(encodeModel(syntheticInt8Model())));
const wav = join(dir, "s.wav");
/** `stream eval --json` of the first test, for the second. */
let report: StreamEvalReport;

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8" });
}

/** The one line a failed command prints. */
function oneLineError(r: ReturnType<typeof cli>): string {
  expect(r.status).not.toBe(0);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** What a device loading `file` detects on the stream, scored against its truth. */
async function realRun(file: string, threshold?: number) {
  const bytes = new Uint8Array(readFileSync(file));
  const labels = decodeModel(Array.from(bytes)).labels;
  const r = await runEngine("node", bytes, toInt16(readWav(wav).samples), { threshold });
  const truth = readTruth(join(dir, "s.json"));
  const targets = truth.planted.filter((p) => labels.includes(p.label) && p.label[0] !== "_");
  return matchDetections(
    r.events.map((e) => ({ t: e.t, keyword: labels[e.classIndex] })),
    targets,
    500,
  );
}

describe("earshot stream / calibrate", () => {
  it("build writes the WAV and its truth; eval's points are real runs'", async () => {
    const b = cli(
      "stream",
      "build",
      "--data",
      data,
      "--minutes",
      "0.25",
      "--out",
      wav,
      "--seed",
      "5",
      "--json",
    );
    expect(b.status).toBe(0);
    const summary = JSON.parse(b.stdout);
    const truth = readTruth(join(dir, "s.json"));
    expect(summary.planted).toBe(truth.planted.length);
    expect(readWav(wav).samples.length).toBe(15 * 16000);

    const plot = join(dir, "det.svg");
    const e = cli("stream", "eval", "--model", model, "--stream", wav, "--json", "--plot", plot);
    expect(e.status).toBe(0);
    report = JSON.parse(e.stdout);
    // No --engine: the wasm kernels the suite's device build made; the points below are checked
    // against portable-kernel device runs, so the default is bit-exact with them.
    expect(report.engine).toBe("node-wasm");
    expect(report.points.length).toBeGreaterThan(3);
    for (const p of report.points)
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining(["threshold", "frr", "fa_per_hour", "fdr"]),
      );
    // A point that detects something, and the model's own, each equal a device run at it.
    const firing = report.points.filter((p) => p.detections > 1);
    for (const p of [firing[Math.floor(firing.length / 2)], report.modelDefault]) {
      const real = await realRun(model, p.threshold);
      expect([p.hits, p.false_accepts, p.detections]).toEqual([
        real.hits,
        real.falseAccepts,
        real.detections,
      ]);
    }
    // The SNR bands split the default point's targets and hits, nothing lost or counted twice.
    const sum = (k: "targets" | "hits") => report.by_snr.reduce((a, b) => a + b[k], 0);
    expect([sum("targets"), sum("hits")]).toEqual([report.targets, report.modelDefault.hits]);
    expect(readFileSync(plot, "utf8")).toContain("false accepts per hour");
  });

  it("calibrate's copy, run as a device runs it, meets the target it printed", async () => {
    const firing = report.points.filter((p) => p.detections > 1);
    const target = firing[Math.floor(firing.length / 2)].fa_per_hour;
    const out = join(dir, "cal.esm");
    const c = cli(
      "calibrate",
      "--model",
      model,
      "--stream",
      wav,
      "--target-fa-per-hour",
      String(target),
      "--out",
      out,
      "--json",
    );
    expect(c.status).toBe(0);
    const cal = JSON.parse(c.stdout);
    expect(cal.point.fa_per_hour).toBeLessThanOrEqual(target);
    const m = decodeModel(Array.from(readFileSync(out)));
    expect([m.threshold, m.smoothingWindow]).toEqual([cal.threshold, cal.smoothingWindow]);
    const real = await realRun(out);
    expect([real.hits, real.falseAccepts]).toEqual([cal.point.hits, cal.point.false_accepts]);
  });

  // Each row: the arguments and the one line they must end in. The eval rows read the stream
  // the first test built.
  const cases: Record<string, [string[], RegExp][]> = {
    "stream build": [
      [["--minutes", "1", "--out", wav, "--snr-db", "5"], /--snr-db must be LO,HI/],
      [["--minutes", "0", "--out", wav], /--minutes must be a positive number/],
      [["--minutes", "1", "--out", join(dir, "x.mp3")], /--out must name a \.wav/],
      [["--minutes", "1", "--out", wav, "--noise", join(dir, "nope")], /noise folder not found/],
    ],
    "stream eval": [
      [["--model", model, "--truth", join(dir, "none.json")], /cannot read truth file/],
      [["--model", model, "--truth", join(dir, "other.json")], /not its stream/],
      [["--model", wav], /not a valid earshot model/],
      [["--model", join(dir, "8k.esm")], /front end expects 8000 Hz/],
    ],
    calibrate: [
      [["--model", model, "--target-fa-per-hour", "-1"], /--target-fa-per-hour must be a number/],
      [
        ["--model", model, "--target-fa-per-hour", "1", "--smoothing", "0,99"],
        /--smoothing must be whole numbers/,
      ],
    ],
  };
  for (const [command, rows] of Object.entries(cases)) {
    it(`${command}: bad flags and inputs end in one line`, () => {
      writeFileSync(
        join(dir, "other.json"),
        JSON.stringify({ ...readTruth(join(dir, "s.json")), durationMs: 60000 }),
      );
      const m = syntheticInt8Model();
      const frontEnd = m.frontEnd.map((kv) =>
        kv.key === "sampleRate" ? { key: kv.key, value: 8000 } : kv,
      );
      writeFileSync(join(dir, "8k.esm"), Uint8Array.from(encodeModel({ ...m, frontEnd })));
      const fixed =
        command === "stream build"
          ? ["--data", data]
          : command === "stream eval"
            ? ["--stream", wav]
            : ["--stream", wav, "--out", join(dir, "c.esm")];
      for (const [args, message] of rows)
        expect(oneLineError(cli(...command.split(" "), ...fixed, ...args))).toMatch(message);
    });
  }
});
