/**
 * `earshot device image` and `earshot device run --image`: the image a user writes runs on a
 * native engine to the same results as the model file; bad input ends in one line and leaves
 * nothing behind.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeEnginePath } from "../../device/engines/native-engines";
import { syntheticInt8Model, syntheticStreamModel } from "../../host/compress/synthetic-models";
import { plainStorage } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { readDeviceImage } from "../../shared/model-format/image-read";
import { buildWav, tone } from "../data/wav-fixtures";

const dir = mkdtempSync(join(tmpdir(), "earshot-image-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = join(dir, "small.esm");
writeFileSync(model, Buffer.from(encodeModel(syntheticInt8Model({ seed: 5 }))));
const streamModel = join(dir, "stream.esm");
writeFileSync(
  streamModel,
  Buffer.from(encodeModel(syntheticStreamModel({ seed: 19, weightBits: 4 }))),
);
const wav = join(dir, "tone.wav");
writeFileSync(wav, buildWav({ channels: [tone(440, 6400, 16000)], rate: 16000, format: "pcm16" }));

const earshot = (args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8", timeout: 120_000 });

describe("earshot device image", () => {
  it("writes an image the device reader loads, and says how big it is", () => {
    const out = join(dir, "small.esi");
    const r = earshot(["device", "image", "--model", model, "--out", out, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const bytes = readFileSync(out);
    expect(report.imageBytes).toBe(bytes.length);
    expect(report.modelBytes).toBe(readFileSync(model).length);
    const { model: m } = readDeviceImage(Array.from(bytes), plainStorage);
    expect(m.labels).toEqual(syntheticInt8Model({ seed: 5 }).labels);
  });

  it("gives a model that streams at --stride its streaming program, and the device that stride", () => {
    const write = (stride: string) => {
      const out = join(dir, `stream-${stride}.esi`);
      const r = earshot([
        "device",
        "image",
        "--model",
        streamModel,
        "--out",
        out,
        "--stride",
        stride,
        "--json",
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return {
        report: JSON.parse(r.stdout),
        read: readDeviceImage(Array.from(readFileSync(out)), plainStorage),
      };
    };
    const two = write("2");
    expect(two.report.streams).toBe(true);
    expect(two.report.bundle).toBe("earshot-device-image-stream-plan.js");
    expect((two.read.plan as { stream: { strideFrames: number } }).stream.strideFrames).toBe(2);
    expect(two.read.model.meta).toContainEqual({ key: "strideFrames", value: 2 });
    // Its 2 x 2 pool does not divide a stride of 3: whole window every stride.
    const three = write("3");
    expect(three.report.streams).toBe(false);
    expect(three.report.bundle).toBe("earshot-device-image.js");
    const bad = earshot([
      "device",
      "image",
      "--model",
      streamModel,
      "--out",
      join(dir, "s0.esi"),
      "--stride",
      "0",
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--stride/);
    expect(existsSync(join(dir, "s0.esi"))).toBe(false);
  });

  it("refuses a corrupt model, an image, and --out over the model, in one line, writing nothing", () => {
    const bad = join(dir, "bad.esm");
    const b = readFileSync(model);
    b[b.length - 1] ^= 1;
    writeFileSync(bad, b);
    const cases: [string[], RegExp][] = [
      [["--model", bad, "--out", join(dir, "bad.esi")], /SHA-256 mismatch/],
      [["--model", model, "--out", model], /--out must differ/],
      [
        ["--model", join(dir, "missing.esm"), "--out", join(dir, "m.esi")],
        /cannot read \(ENOENT\)/,
      ],
    ];
    const image = join(dir, "again.esi");
    expect(earshot(["device", "image", "--model", model, "--out", image]).status).toBe(0);
    cases.push([["--model", image, "--out", join(dir, "twice.esi")], /is a device image already/]);
    for (const [args, message] of cases) {
      const r = earshot(["device", "image", ...args]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, "bad.esi"))).toBe(false);
    expect(existsSync(join(dir, "bad.esi.partial"))).toBe(false);
    expect(existsSync(join(dir, "twice.esi"))).toBe(false);
    expect(readFileSync(model).length).toBeGreaterThan(100);
  });
});

describe("earshot device run --image", () => {
  it.skipIf(nativeEnginePath("jerryscript-native") === null)(
    "gives the model file's results on jerryscript-native",
    () => {
      const run = (extra: string[]) => {
        const r = earshot([
          "device",
          "run",
          "--engine",
          "jerryscript-native",
          "--model",
          model,
          "--wav",
          wav,
          "--stride",
          "2",
          "--json",
          ...extra,
        ]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const { stats: _s, serving: _v, ...rest } = JSON.parse(r.stdout);
        return rest;
      };
      const file = run([]);
      expect(file.scores.length).toBeGreaterThan(2);
      expect(run(["--image"])).toEqual(file);
      // A model that streams: its image's streaming program replayed (the planned bundle).
      const stream = run(["--model", streamModel]);
      expect(stream.streamingMacsPerStride).toBeGreaterThan(0);
      expect(run(["--model", streamModel, "--image"])).toEqual(stream);
    },
  );

  it("refuses --image on an engine without natives, in one line", () => {
    const r = earshot([
      "device",
      "run",
      "--engine",
      "duk",
      "--model",
      model,
      "--wav",
      wav,
      "--image",
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /device images run on espruino-native, jerryscript-native, wasm3 only/,
    );
  });
});
