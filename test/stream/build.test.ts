/**
 * The stream builder: every planted clip is in the samples where the truth says (correlation
 * with the clip file at the stated offset, and not beside it), clips come from the test subset
 * only, SNRs are the ones drawn, and a seed gives the same stream twice.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { padOrTrim, readWav, scanDataset } from "../../host/data";
import { buildStream, GAP_MS } from "../../host/stream/build";
import { writeFixtureDataset } from "./fixture";

const { data } = writeFixtureDataset(mkdtempSync(join(tmpdir(), "earshot-stream-build-")));

/** Normalized correlation of the clip with the stream at sample `at`. */
function corr(stream: Float32Array, clip: Float32Array, at: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < clip.length; i++) {
    const x = stream[at + i] ?? 0;
    xy += x * clip[i];
    xx += x * x;
    yy += clip[i] * clip[i];
  }
  return xy / Math.sqrt(xx * yy);
}

describe("stream build", () => {
  it("puts each planted clip at its truth's start, at the drawn SNR", async () => {
    const { samples, truth } = await buildStream({ data, minutes: 0.5, seed: 4, snrDb: [10, 10] });
    expect(samples.length).toBe(30 * 16000);
    expect(truth.planted.length).toBeGreaterThan(4);
    expect(truth.planted.some((p) => p.label === "_unknown_")).toBe(true);
    expect(truth.planted.some((p) => p.label === "yes" || p.label === "no")).toBe(true);
    for (const [i, p] of truth.planted.entries()) {
      expect(p.endMs - p.startMs).toBe(1000);
      expect(p.snrDb).toBeCloseTo(10, 1);
      if (i > 0) expect(p.startMs - truth.planted[i - 1].endMs).toBeGreaterThanOrEqual(GAP_MS[0]);
      const clip = padOrTrim(readWav(join(data, p.clip)).samples, 16000);
      const at = p.startMs * 16;
      // At SNR s the clip's share of the segment's power is r^2 = 10^(s/10) / (1 + 10^(s/10)).
      const r = corr(samples, clip, at);
      expect(10 * Math.log10((r * r) / (1 - r * r))).toBeCloseTo(10, 0);
      expect(Math.abs(corr(samples, clip, at + 160))).toBeLessThan(0.2);
      expect(Math.abs(corr(samples, clip, at - 160))).toBeLessThan(0.2);
      expect(p.label).toBe(p.keyword === "bed" ? "_unknown_" : p.keyword);
    }
    expect(new Set(truth.clips)).toEqual(new Set(truth.planted.map((p) => p.clip)));
  });

  it("takes clips from the speaker split's test subset only, the same under a seed", async () => {
    const ds = await scanDataset(data, { splitMode: "speaker" });
    const split = new Map(ds.items.map((it) => [it.relPath, it.split]));
    expect([...split.values()].some((s) => s !== "test")).toBe(true);
    const o = { data, minutes: 0.4, seed: 9, snrDb: [-5, 10] as [number, number] };
    const a = await buildStream({ ...o, splitMode: "speaker" });
    expect(a.truth.split).toBe("speaker");
    expect(a.truth.planted.length).toBeGreaterThan(3);
    for (const p of a.truth.planted) {
      expect(split.get(p.clip)).toBe("test");
      expect(p.snrDb).toBeGreaterThanOrEqual(-5 - 1e-9);
      expect(p.snrDb).toBeLessThanOrEqual(10 + 1e-9);
    }
    const b = await buildStream({ ...o, splitMode: "speaker" });
    expect(b.truth).toEqual(a.truth);
    expect(Buffer.from(b.samples.buffer).equals(Buffer.from(a.samples.buffer))).toBe(true);
    const c = await buildStream({ ...o, splitMode: "speaker", seed: 10 });
    expect(c.truth.planted).not.toEqual(a.truth.planted);
  });

  it("a calibration stream takes the validation subset's clips, none of the test subset's", async () => {
    const ds = await scanDataset(data, { splitMode: "speaker" });
    const split = new Map(ds.items.map((it) => [it.relPath, it.split]));
    const o = { data, minutes: 0.4, seed: 9, snrDb: [-5, 10] as [number, number] };
    const v = await buildStream({ ...o, splitMode: "speaker", subset: "validation" });
    expect(v.truth.planted.length).toBeGreaterThan(3);
    for (const p of v.truth.planted) expect(split.get(p.clip)).toBe("validation");
  });
});
