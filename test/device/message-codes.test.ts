import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { deviceMessages, expandMessages, messageToken } from "../../device/engines/device-messages";
import { codeMessages, messageDictionary } from "../../device/tools/message-codes";

/** A module as TypeScript's ES5 output would have it, throwing the way the runtime does. */
const MODULE = `
function ModelFormatError(reason, offset) { this.message = "invalid model file: " + reason; }
function FrontEndConfigError(field, reason) { this.field = field; this.message = field + " " + reason; }
var ctx = { fail: function (m) { throw new Error(m); } };
function run(which, n, kind) {
  if (which === 0) throw new ModelFormatError("the tensor numbered " + n + ": shape differs from its data", -1);
  if (which === 1) ctx.fail(n > 2 ? "the window is longer than " + n : "the window is empty here");
  if (which === 2) throw new FrontEndConfigError("a field name long enough", "must be a whole number");
  if (which === 3) return kind === "a literal compared, not a message" ? "same" : "other";
  if (which === 4) return lookup("a literal passed to another call");
  if (which === 5) fail("a field name long enough", "is not a message helper's call");
  throw new Error("unknown case " + which + " (of 0..5)");
}
function lookup(key) { return key.length; }
function fail(field, why) { throw new Error(field + ": " + why); }
`;

function outcome(js: string, which: number, n: number, kind = ""): string {
  const ctx: Record<string, unknown> = { which, n, kind, out: "" };
  runInNewContext(
    `${js}\ntry { out = String(run(which, n, kind)); } catch (e) { out = "X " + e.message; }`,
    ctx,
  );
  return ctx.out as string;
}

describe("error messages as codes (tools/message-codes.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-messages-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "b"));
  writeFileSync(join(dir, "b/m.js"), MODULE);
  writeFileSync(
    join(dir, "a.js"),
    'function f() { throw new Error("the window is empty here"); }\n',
  );
  const dictionary = messageDictionary(dir);
  const coded = codeMessages(MODULE, dictionary);

  it("collects each message text once, files in sorted order", () => {
    expect(dictionary).toEqual([
      "the window is empty here",
      "the tensor numbered ",
      ": shape differs from its data",
      "the window is longer than ",
      "must be a whole number",
      "unknown case ",
    ]);
  });

  it("leaves literals that are not message text: compared, passed to other calls, a field name", () => {
    for (const kept of [
      '"a literal compared, not a message"',
      '"a literal passed to another call"',
      '"a field name long enough"',
      '"is not a message helper\'s call"', // fail(field, why): two arguments, another function
      '"invalid model file: "', // inside the class: not an argument of a constructor call
    ])
      expect(coded).toContain(kept);
    expect(coded).not.toContain('"the window is longer than "');
    expect(coded).toContain(`"${messageToken(3)}"`);
    expect(coded.length).toBeLessThan(MODULE.length - 90);
  });

  it("gives back every message exactly once expanded, and the same results otherwise", () => {
    const cases: [number, number, string][] = [
      [0, 7, ""],
      [1, 5, ""],
      [1, 1, ""],
      [2, 0, ""],
      [3, 0, "a literal compared, not a message"],
      [3, 0, "x"],
      [4, 0, ""],
      [5, 0, ""],
      [9, 0, ""],
    ];
    for (const [which, n, kind] of cases) {
      const want = outcome(MODULE, which, n, kind);
      const got = outcome(coded, which, n, kind);
      expect(expandMessages(got, dictionary)).toBe(want);
    }
    expect(outcome(coded, 0, 7)).toBe(
      `X invalid model file: ${messageToken(1)}7${messageToken(2)}`,
    );
  });

  it("leaves a token with no dictionary entry as it is", () => {
    expect(expandMessages(`a ${messageToken(99)} b ${messageToken(0)}`, ["x"])).toBe("a `99` b x");
  });

  it("reads the dictionary the build wrote, and none when there is no file", () => {
    const file = join(dir, "device-messages.json");
    writeFileSync(file, JSON.stringify(dictionary));
    expect(deviceMessages(file)).toEqual(dictionary);
    expect(deviceMessages(join(dir, "absent.json"))).toEqual([]);
  });

  it("earshot device message puts the words back; a damaged dictionary is refused by name", () => {
    const file = join(dir, "cli-messages.json");
    writeFileSync(file, JSON.stringify(dictionary));
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [join(import.meta.dirname, "../../bin/earshot.js"), "device", "message", ...args],
        {
          encoding: "utf8",
        },
      );
    const ok = cli(
      `invalid model file: ${messageToken(1)}7${messageToken(2)} (at byte 9)`,
      "--dictionary",
      file,
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(
      "invalid model file: the tensor numbered 7: shape differs from its data (at byte 9)\n",
    );
    writeFileSync(file, "{not json");
    const bad = cli("x", "--dictionary", file);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("is not a message dictionary");
  });
});
