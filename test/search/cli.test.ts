import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8", timeout: 60_000 });

describe("earshot search", () => {
  it("refuses an unknown family in one line naming the known ones", () => {
    const r = cli("search", "iterative", "--family", "int8,int9", "--data", "d", "--out", "o");
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /unknown family 'int9' \(known: float, int8, int5, int4, binary, all\)/,
    );
  });

  it("refuses an MFCC count without a front-end preset", () => {
    const r = cli("search", "proxyless", "--data", "d", "--out", "o", "--mfcc", "10,13");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--mfcc: 13 has no front-end preset/);
  });
});
