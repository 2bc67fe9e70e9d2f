import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { synthesizeCorpus } from "../../host/data/synth/corpus";
import { readManifest } from "../../host/data/synth/manifest";
import { MAX_SPEEDUP, utteranceDefect } from "../../host/data/synth/quality";
import { MAX_WORD } from "../../host/data/synth/shape";

/** `seconds` of a 200 Hz tone at amplitude 0.5 between 0.2 s of silence on each side. */
function word(seconds: number): Float32Array {
  const pad = 3200;
  const n = Math.round(seconds * 16000);
  const x = new Float32Array(n + 2 * pad);
  for (let i = 0; i < n; i++) x[pad + i] = 0.5 * Math.sin((2 * Math.PI * 200 * i) / 16000);
  return x;
}

describe("utteranceDefect", () => {
  it("passes an ordinary word and names a silent one", () => {
    expect(utteranceDefect(word(0.5), 160)).toBeNull();
    expect(utteranceDefect(new Float32Array(16000), 160)).toBe("silent");
  });

  it("calls a run of full-scale samples clipped, but not one peak", () => {
    const x = word(0.5);
    x[8000] = 1;
    expect(utteranceDefect(x, 160)).toBeNull();
    x[8001] = -32767 / 32768;
    x[8002] = 1;
    expect(utteranceDefect(x, 160)).toBe("clipped");
  });

  it("drops a word only when fitting it would take more than the largest speed-up", () => {
    // The speech bounds pad the word by 20 ms on each side.
    const limit = (MAX_WORD * MAX_SPEEDUP) / 16000 - 0.04;
    expect(utteranceDefect(word(limit - 0.03), 160)).toBeNull();
    expect(utteranceDefect(word(limit + 0.03), 160)).toBe("too-long");
    // Replayed 176/160 times faster (a shorter vocal tract), the same take fits.
    expect(utteranceDefect(word(limit + 0.03), 176)).toBeNull();
  });
});

describe("data synth drops unfit takes", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-quality-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts them by reason, lists them in the manifest and writes the rest", async () => {
    const out = join(dir, "c");
    const o = {
      out,
      // Said at any rate, the sentence is far longer than a second: every take is dropped.
      words: ["yes", "pangram=the quick brown fox jumps over the lazy dog"],
      unknownWords: [],
      perWord: 3,
      seed: 2,
      engines: ["flite"] as const,
      noiseSeconds: 1,
    };
    const s = await synthesizeCorpus({ ...o, engines: [...o.engines] });
    expect(s.clips.dropped).toEqual({ silent: 0, clipped: 0, "too-long": 3 });
    expect(s.clips.written).toBe(3);
    expect(readdirSync(join(out, "yes"))).toHaveLength(3);
    expect(existsSync(join(out, "pangram")) ? readdirSync(join(out, "pangram")) : []).toEqual([]);
    const m = readManifest(out);
    expect(m?.complete).toBe(true);
    expect(m?.dropped?.map((d) => d.defect)).toEqual(["too-long", "too-long", "too-long"]);
    expect(m?.dropped?.every((d) => d.rel.startsWith("pangram/"))).toBe(true);
    // A rerun keeps the written clips and finds the same takes unfit.
    const again = await synthesizeCorpus({ ...o, engines: [...o.engines] });
    expect(again.clips).toMatchObject({ written: 0, cached: 3 });
    expect(again.clips.dropped["too-long"]).toBe(3);
  });
});
