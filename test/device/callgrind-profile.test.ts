import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import { buildWav, tone } from "../data/wav-fixtures";

const dir = mkdtempSync(join(tmpdir(), "earshot-callgrind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wav = join(dir, "tone.wav");
writeFileSync(wav, buildWav({ channels: [tone(440, 6400, 16000)], rate: 16000, format: "pcm16" }));
const model = join(dir, "small.esm");
writeFileSync(model, Buffer.from(encodeModel(syntheticInt8Model({ seed: 5 }))));

/** `earshot device run` on the small model and the tone, with `extra` flags. */
const deviceRun = (engine: string, extra: string[], timeout: number) =>
  spawnSync(
    process.execPath,
    [
      "bin/earshot.js",
      "device",
      "run",
      "--engine",
      engine,
      "--model",
      model,
      "--wav",
      wav,
      ...extra,
    ],
    { encoding: "utf8", timeout },
  );

describe("device run --callgrind-out", () => {
  it("keeps callgrind's profile of the engine, with the count it prints", () => {
    const out = join(dir, "duk.callgrind");
    const r = deviceRun("duktape-host", ["--stride", "4", "--callgrind-out", out], 240_000);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const m = /callgrind: (\d+) instructions; profile in (.+)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m?.[2]).toBe(out);
    expect(existsSync(out)).toBe(true);
    const profile = readFileSync(out, "utf8");
    expect(profile).toMatch(/^events: Ir$/m);
    // The file's total is the count printed (one engine process).
    const total = /^(?:summary|totals): (\d+)$/m.exec(profile);
    expect(total).not.toBeNull();
    expect(Number(total?.[1])).toBe(Number(m?.[1]));
    // The C kernels show up by name: the profile is of the engine, not of valgrind's launcher.
    expect(profile).toMatch(/fn=\(\d+\) es_conv2d/);
  });

  it("refuses an engine that runs inside the CLI's own process, in one line", () => {
    const r = deviceRun("node", ["--callgrind-out", join(dir, "node.callgrind")], 60_000);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--callgrind-out: engine 'node' runs inside this process/);
    expect(existsSync(join(dir, "node.callgrind"))).toBe(false);
  });
});
