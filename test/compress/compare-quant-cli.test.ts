import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8", timeout: 60_000 });

describe("earshot compare-quant", () => {
  it("refuses widths outside 2..8 with one line naming the flag", () => {
    const r = cli("compare-quant", "--model", "m", "--data", "d", "--out", "o", "--bits", "4,9");
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--bits takes widths 2\.\.8/);
  });

  it("names a missing checkpoint instead of failing later", () => {
    const r = cli("compare-quant", "--model", "/nonexistent/ckpt", "--data", "d", "--out", "o");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/nonexistent\/ckpt: no earshot checkpoint/);
  });
});
