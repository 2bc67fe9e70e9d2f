/**
 * `earshot model defaults`: a copy of a model file with other detector defaults (how a test
 * makes a deliberately worse model), and one-line errors that leave the original untouched.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { decodeModel } from "../../shared/model-format/decode";
import { modelFile } from "./field-fixtures";

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ["bin/earshot.js", "model", "defaults", ...args], { timeout: 60_000 });
const fails = (...args: string[]) =>
  cli(...args).then(
    () => "",
    (e: { stderr: string; code: number }) => {
      expect(e.code).toBe(1);
      return e.stderr.trim();
    },
  );

describe("earshot model defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-defaults-"));
  const original = join(dir, "good.esm");
  writeFileSync(original, modelFile(3, 0.5));

  it("writes a copy with the new threshold and smoothing; the original is unchanged", async () => {
    const out = join(dir, "bad.esm");
    const { stdout } = await cli(
      original,
      "--threshold",
      "0.05",
      "--smoothing",
      "2",
      "--out",
      out,
      "--json",
    );
    expect(JSON.parse(stdout)).toMatchObject({ threshold: 0.05, smoothing: 2, version: 3 });
    const copy = decodeModel([...readFileSync(out)]);
    expect(copy.threshold).toBeCloseTo(0.05, 6);
    expect(copy.smoothingWindow).toBe(2);
    expect(decodeModel([...readFileSync(original)]).threshold).toBeCloseTo(0.5, 6);
  });

  it("refuses bad values and files in one line", async () => {
    const out = join(dir, "x.esm");
    expect(await fails(original, "--threshold", "2", "--out", out)).toMatch(
      /^earshot: --threshold must be a number in 0\.\.1 \(got '2'\)$/,
    );
    expect(await fails(original, "--threshold", "0.1", "--out", original)).toMatch(
      /--out must differ/,
    );
    const junk = join(dir, "junk.esm");
    writeFileSync(junk, "not a model");
    expect(await fails(junk, "--threshold", "0.1", "--out", out)).toMatch(/^earshot: .*model/);
  });
});
