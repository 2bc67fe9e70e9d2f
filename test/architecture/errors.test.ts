/**
 * One error style: every user-facing error is an EarshotError (shared/errors.ts) of its
 * domain; library code never reaches up into the CLI for its error type, and no ad hoc
 * `expected` flags are bolted onto plain Errors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError } from "../../host/data/dataset";
import { FleetError } from "../../host/fleet/errors";
import { TrainError } from "../../host/train/errors";
import { ProtocolError } from "../../protocol/errors";
import { EarshotError, isEarshotError } from "../../shared/errors";
import { FrontEndConfigError } from "../../shared/features/errors";
import { ModelFormatError } from "../../shared/model-format/errors";

const ROOT = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe("errors", () => {
  it("domain errors are EarshotErrors with a code; plain Errors are not", () => {
    const errs = [
      new ModelFormatError("bad", 3),
      new ProtocolError("truncated", "short", "f", 1),
      new FrontEndConfigError("nMels", "too big"),
      new DatasetError("empty"),
      new FleetError("no broker"),
      new TrainError("diverged"),
    ];
    for (const e of errs) {
      expect(e).toBeInstanceOf(EarshotError);
      expect(isEarshotError(e)).toBe(true);
      expect(e.code.length).toBeGreaterThan(0);
    }
    expect(errs.map((e) => e.code)).toEqual([
      "model-format",
      "truncated",
      "front-end-config",
      "dataset",
      "fleet",
      "train",
    ]);
    expect(isEarshotError(new Error("bug"))).toBe(false);
    expect(isEarshotError("text")).toBe(false);
  });

  it("library code neither imports the CLI's error nor flags plain Errors as expected", () => {
    const lib = [
      ...sources("host"),
      ...sources("device"),
      ...sources("shared"),
      ...sources("protocol"),
    ].filter((f) => !f.startsWith("host/cli/"));
    const upward = lib.filter((f) =>
      /from "[./]*cli\/errors"/.test(readFileSync(join(ROOT, f), "utf8")),
    );
    expect(upward).toEqual([]);
    const adHoc = lib.filter((f) => /expected: true/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(adHoc).toEqual([]);
  });
});
