import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modelReport } from "../../host/compress/model-report";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import { buildWav, tone } from "../data/wav-fixtures";

const dir = mkdtempSync(join(tmpdir(), "earshot-inspect-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", "inspect", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });

describe("per-layer report", () => {
  it("counts MACs, bytes at stored widths and activations per layer", () => {
    const r8 = modelReport(syntheticInt8Model());
    const conv = r8.layers[1];
    expect(conv.op).toBe("conv2d");
    // 12x10 output, 8 channels, 3x3x1 taps
    expect(conv.macs).toBe(12 * 10 * 8 * 9);
    expect(conv.flops).toBe(2 * conv.macs);
    // weights 72 bytes at 8 bits + bias, mult, shift int32 (3 x 8 x 4)
    expect(conv.paramBytes).toBe(72 + 96);
    expect(conv.activationBytes).toBe(12 * 10 * 8);
    const r4 = modelReport(syntheticInt4Model());
    expect(r4.layers[1].paramBytes).toBe(36 + 96);
    expect(r4.totals.macs).toBe(r8.totals.macs);
    expect(r8.totals.arenaPeakBytes).toBeLessThan(r8.totals.activationBytes);
    const rb = modelReport(syntheticBinaryModel());
    const bconv = rb.layers.find((l) => l.op === "binary_conv2d");
    expect(bconv?.binaryMacs).toBe(6 * 5 * 32 * 9 * 8);
    expect(bconv?.paramBytes).toBe(32 * 9 * 4 + 2 * 32 * 4); // 8 channels pad to one word per tap
  });
});

describe("earshot inspect", () => {
  it("prints the table and --json with layers, totals and arena peak", () => {
    const file = join(dir, "int8.earshot");
    const bytes = encodeModel(syntheticInt8Model());
    writeFileSync(file, Buffer.from(bytes));
    const human = cli(file);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/depthwise_conv2d/);
    expect(human.stdout).toMatch(/arena peak/);
    const json = cli(file, "--json");
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.layers).toHaveLength(10);
    expect(report.totals).toEqual({ ...modelReport(syntheticInt8Model(), bytes.length).totals });
  });

  it("malformed or missing files: one clear line, exit 1, no stack trace", () => {
    const bad = join(dir, "bad.earshot");
    const bytes = encodeModel(syntheticInt8Model());
    bytes[200] ^= 0xff;
    writeFileSync(bad, Buffer.from(bytes));
    for (const [path, pattern] of [
      [bad, /^earshot: invalid model file: SHA-256 mismatch/],
      [join(dir, "missing.earshot"), /^earshot: cannot read model file .*ENOENT/],
    ] as const) {
      const r = cli(path);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("inspect and device run: one validator for model files and flags", () => {
  const wav = join(dir, "tone.wav");
  writeFileSync(
    wav,
    buildWav({ channels: [tone(440, 16000, 16000)], rate: 16000, format: "pcm16" }),
  );
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["bin/earshot.js", "device", "run", "--engine", "node", "--wav", wav, ...args],
      { encoding: "utf8", timeout: 60_000 },
    );
  const good = syntheticInt8Model();
  const cases: [string, Partial<typeof good>, RegExp][] = [
    ["a label more than outputs", { labels: [...good.labels, "extra"] }, /scores for .* labels/],
    ["smoothing window 0", { smoothingWindow: 0 }, /smoothing window 0/],
    ["NaN threshold", { threshold: Number.NaN }, /threshold NaN/],
    ["threshold 2", { threshold: 2 }, /threshold 2 is not in 0\.\.1/],
  ];

  it.each(cases)("both reject a model with %s, in the same words", (_name, change, pattern) => {
    const file = join(dir, `bad-${_name.replace(/\W+/g, "-")}.earshot`);
    writeFileSync(file, Buffer.from(encodeModel({ ...good, ...change })));
    const a = cli(file);
    const b = run("--model", file);
    for (const r of [a, b]) {
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    expect(b.stderr.replace(/^.*invalid model file: /, "")).toBe(
      a.stderr.replace(/^.*invalid model file: /, ""),
    );
  });

  it.each([
    ["--threshold", "2"],
    ["--threshold", "-1"],
    ["--stride", "1e12"],
    ["--stride", "0"],
    ["--smoothing", "1000"],
  ])("device run refuses %s %s in one line", (flag, value) => {
    const file = join(dir, "ok.earshot");
    writeFileSync(file, Buffer.from(encodeModel(good)));
    const r = run("--model", file, flag, value);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${flag} must be`);
  });
});
