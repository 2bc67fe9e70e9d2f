// The demo's closing table tells the truth: figures come from the step reports, and every result
// below its goal is listed as a shortfall instead of ending on a bare "finished".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultDemoConfig, reportPath } from "../../host/demo/steps";
import { demoSummary, formatSummary } from "../../host/demo/summary";

const root = mkdtempSync(join(tmpdir(), "earshot-demo-summary-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const point = (threshold: number, hits: number, misses: number, fa: number) => ({
  threshold,
  frr: misses / (hits + misses),
  fa_per_hour: fa * 30,
  fdr: fa / Math.max(1, hits + fa),
  hits,
  misses,
  false_accepts: fa,
  detections: hits + fa,
});

function write(c: ReturnType<typeof defaultDemoConfig>, name: string, value: unknown): void {
  mkdirSync(join(c.out, "reports"), { recursive: true });
  writeFileSync(reportPath(c, name), JSON.stringify(value));
}

describe("demo summary", () => {
  it("reads the reports into the table and lists every result short of its goal", () => {
    const c = { ...defaultDemoConfig(join(root, "a")), shippedModel: join(root, "a", "m.esm") };
    mkdirSync(c.out, { recursive: true });
    writeFileSync(c.shippedModel, new Uint8Array(2048));
    write(c, "eval-synth-int8", { accuracy: 0.81, n: 50 });
    write(c, "eval-real-int8", { accuracy: 0.21, n: 3066 });
    write(c, "stream-synth-demo", {
      durationMs: 60000,
      targets: 8,
      modelDefault: point(0.5, 7, 1, 0),
    });
    write(c, "stream-real-demo", {
      durationMs: 120000,
      targets: 10,
      modelDefault: point(0.5, 0, 10, 1),
    });
    write(c, "eval-real-shipped", { accuracy: 0.84, n: 197 });
    write(c, "stream-real-shipped", {
      durationMs: 120000,
      targets: 10,
      modelDefault: point(0.7, 9, 1, 0),
    });
    const s = demoSummary(c, join(c.out, "model.earshot"));
    expect(s.rows[0].synthAccuracy).toBe(0.81);
    expect(s.rows[1].realAccuracy).toBe(0.84);
    expect(s.rows[1].kib).toBe(2);
    expect(s.shortfalls).toHaveLength(3);
    expect(s.shortfalls[0]).toMatch(/21\.0% on real speech/);
    expect(s.shortfalls[1]).toMatch(/84\.0% on 197 clips.*90\.0% goal/);
    expect(s.shortfalls[2]).toMatch(/misses 10 of 10 keywords in the real stream/);
    const text = formatSummary(s);
    expect(text).toMatch(/9\/10 hit, 0 FA in 2\.0 min/);
    expect(text).toMatch(/falls short:/);
  });

  it("has no shortfall when every figure meets its goal, and names a missing shipped model", () => {
    const c = { ...defaultDemoConfig(join(root, "b")), shippedModel: join(root, "b", "m.esm") };
    write(c, "eval-real-int8", { accuracy: 0.6, n: 100 });
    write(c, "eval-real-shipped", { accuracy: 0.93, n: 197 });
    write(c, "stream-real-shipped", {
      durationMs: 60000,
      targets: 10,
      modelDefault: point(0.7, 10, 0, 0),
    });
    expect(demoSummary(c, join(c.out, "model.earshot")).shortfalls).toEqual([]);
    const none = { ...c, shippedModel: undefined };
    expect(demoSummary(none, "x").shortfalls).toEqual([
      "no shipped model (models/kws12-int8.esm) to evaluate",
    ]);
  });
});
