import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { applyMic } from "../../host/data/synth/mic";
import { brownNoise, mainsHum, pinkNoise, whiteNoise } from "../../host/data/synth/noise";
import { planClips } from "../../host/data/synth/plan";
import { CLIP_SAMPLES, shapeClip, speechBounds } from "../../host/data/synth/shape";
import { drawSpeakers, type VoiceCatalog } from "../../host/data/synth/speakers";

const catalog: VoiceCatalog[] = [
  { engine: "flite", voices: ["kal", "awb", "slt"] },
  { engine: "espeak", voices: ["en-us+m1", "en+f2"] },
];

/** Power of `x` at `hz` (Goertzel), per sample. */
function powerAt(x: Float32Array, hz: number): number {
  const w = (2 * Math.PI * hz) / 16000;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / x.length;
}

const rmsOf = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

/** Share of energy in first differences: high for bright noise, low for dark noise. */
function brightness(x: Float32Array): number {
  let d = 0;
  let e = 0;
  for (let i = 1; i < x.length; i++) {
    d += (x[i] - x[i - 1]) ** 2;
    e += x[i] * x[i];
  }
  return d / e;
}

describe("speakers", () => {
  it("gives distinct 8-hex ids, reproducible from the seed", () => {
    const a = drawSpeakers(5, 400, catalog);
    const ids = a.map((s) => s.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(ids).size).toBe(400);
    expect(drawSpeakers(5, 400, catalog)).toEqual(a);
    const other = new Set(drawSpeakers(6, 400, catalog).map((s) => s.id));
    expect(ids.filter((id) => other.has(id))).toEqual([]);
  });

  it("draws every engine and voice of the catalog, within the prosody bounds", () => {
    const s = drawSpeakers(1, 400, catalog);
    expect(new Set(s.map((x) => `${x.engine}:${x.voice}`)).size).toBe(5);
    for (const x of s) {
      expect(x.prosody.pitch).toBeGreaterThanOrEqual(0.7);
      expect(x.prosody.pitch).toBeLessThanOrEqual(1.45);
      expect(x.prosody.rate).toBeGreaterThanOrEqual(0.75);
      expect(x.prosody.rate).toBeLessThanOrEqual(1.35);
      expect(x.tractK).toBeGreaterThanOrEqual(146);
      expect(x.tractK).toBeLessThanOrEqual(176);
    }
  });
});

describe("planClips", () => {
  const speakers = drawSpeakers(2, 20, catalog);
  const plan = planClips(
    2,
    [
      { word: "yes", clips: 50 },
      { word: "cat", clips: 7 },
    ],
    speakers,
    3,
  );

  it("meets each word's quota with unique paths", () => {
    expect(plan.filter((c) => c.word === "yes")).toHaveLength(50);
    expect(plan.filter((c) => c.word === "cat")).toHaveLength(7);
    expect(new Set(plan.map((c) => c.rel)).size).toBe(plan.length);
  });

  it("numbers each speaker's takes of a word 0..k-1, k within maxRepeats per visit", () => {
    const takes = new Map<string, number[]>();
    for (const c of plan) {
      const key = `${c.word}/${c.speaker.id}`;
      takes.set(key, [...(takes.get(key) ?? []), c.n]);
      expect(c.rel).toBe(`${c.word}/${c.speaker.id}_nohash_${c.n}.wav`);
    }
    for (const ns of takes.values()) expect(ns).toEqual(ns.map((_, i) => i));
    // 50 clips over 20 speakers at 1..3 takes per visit: several speakers, some repeating.
    const yes = [...takes.entries()].filter(([k]) => k.startsWith("yes/"));
    expect(yes.length).toBeGreaterThan(10);
    expect(yes.some(([, ns]) => ns.length > 1)).toBe(true);
  });
});

describe("noise generators", () => {
  const n = 32000;
  it("scale to the requested RMS", () => {
    for (const f of [whiteNoise, pinkNoise, brownNoise])
      expect(rmsOf(f(n, new Rng(1), 0.1))).toBeCloseTo(0.1, 4);
    expect(rmsOf(mainsHum(n, 50, new Rng(1), 0.05))).toBeCloseTo(0.05, 4);
  });

  it("colour: white brighter than pink, pink brighter than brown", () => {
    const w = brightness(whiteNoise(n, new Rng(2), 0.1));
    const p = brightness(pinkNoise(n, new Rng(2), 0.1));
    const b = brightness(brownNoise(n, new Rng(2), 0.1));
    expect(w).toBeGreaterThan(3 * p);
    expect(p).toBeGreaterThan(3 * b);
  });

  it("hum sits on the line frequency and its harmonics, not between them", () => {
    for (const line of [50, 60]) {
      const x = mainsHum(n, line, new Rng(3), 0.05);
      expect(powerAt(x, line)).toBeGreaterThan(100 * powerAt(x, line * 1.5));
      expect(powerAt(x, 3 * line)).toBeGreaterThan(100 * powerAt(x, line * 2.5));
    }
  });
});

describe("applyMic", () => {
  const sine = (hz: number) =>
    Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 16000));
  const gainDb = (hz: number, mic: { highPassHz: number; lowPassHz: number }) =>
    20 * Math.log10(rmsOf(applyMic(sine(hz), mic).subarray(4000)) / rmsOf(sine(hz).subarray(4000)));

  it("passes the band and cuts outside it (-3 dB at the corners, 12 dB/octave beyond)", () => {
    const mic = { highPassHz: 300, lowPassHz: 3400 };
    expect(gainDb(1000, mic)).toBeGreaterThan(-1);
    expect(gainDb(300, mic)).toBeCloseTo(-3, 0);
    expect(gainDb(3400, mic)).toBeCloseTo(-3, 0);
    expect(gainDb(75, mic)).toBeLessThan(-20);
    expect(gainDb(7000, mic)).toBeLessThan(-10);
  });
});

describe("shapeClip", () => {
  const FLAT = { highPassHz: 20, lowPassHz: 8000 };
  const tone = (seconds: number) => {
    const x = new Float32Array(Math.round(seconds * 16000));
    // 200 ms of silence on each side, a 300 Hz tone between.
    for (let i = 3200; i < x.length - 3200; i++)
      x[i] = 0.5 * Math.sin((2 * Math.PI * 300 * i) / 16000);
    return x;
  };

  it("trims, levels and places the word inside exactly one second", () => {
    const clip = shapeClip(
      tone(0.9),
      { tractK: 160, mic: FLAT, levelDb: -20, floorDb: -60, offset: 0.5 },
      new Rng(1),
    );
    expect(clip.length).toBe(CLIP_SAMPLES);
    const [a, b] = speechBounds(clip, -20, 0);
    expect((b - a) / 16).toBeGreaterThan(450); // the 0.5 s tone, minus fades
    expect((b - a) / 16).toBeLessThan(560);
    expect(20 * Math.log10(rmsOf(clip.subarray(a + 400, b - 400)))).toBeCloseTo(-20, 0);
  });

  it("speeds up a word longer than the second so it fits whole", () => {
    const clip = shapeClip(
      tone(1.8),
      { tractK: 160, mic: FLAT, levelDb: -20, floorDb: -70, offset: 0 },
      new Rng(1),
    );
    const [a, b] = speechBounds(clip, -20, 0);
    expect(b - a).toBeLessThanOrEqual(Math.round(0.96 * 16000));
    expect(b - a).toBeGreaterThan(0.9 * 16000);
  });

  it("scales the vocal tract: k/160 shortens the word by that factor", () => {
    const len = (k: number) => {
      const [a, b] = speechBounds(
        shapeClip(
          tone(0.8),
          { tractK: k, mic: FLAT, levelDb: -20, floorDb: -80, offset: 0.5 },
          new Rng(1),
        ),
        -20,
        0,
      );
      return b - a;
    };
    expect(len(176) / len(146)).toBeCloseTo(146 / 176, 1);
  });
});

describe("TTS engines", () => {
  it("speak identically whatever was said before, and in every process", async () => {
    const { loadEngines, closeEngines } = await import("../../host/data/synth/tts/load");
    const first = await loadEngines("auto");
    // The second instance lives an hour later: the clock must not reach the audio.
    const realNow = Date.now;
    const later = () => realNow() + 3_600_000;
    Date.now = later;
    const second = await loadEngines("auto").finally(() => {
      Date.now = realNow;
    });
    const same = (a: Float32Array, b: Float32Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    try {
      for (const [i, e] of first.entries()) {
        // eSpeak's breathy variants draw noise from a time-seeded random state.
        const v = e.voices.includes("en-gb-x-gbclan+f5") ? "en-gb-x-gbclan+f5" : e.voices[0];
        const p = { pitch: 1, pitchRange: 1, rate: 1 };
        const a = e.speak("about", v, p).samples;
        e.speak("house", e.voices[1], { pitch: 1.3, pitchRange: 0.6, rate: 1.2 });
        const b = e.speak("about", v, p).samples;
        Date.now = later;
        let c: Float32Array;
        try {
          c = second[i].speak("about", v, p).samples;
        } finally {
          Date.now = realNow;
        }
        expect(a.length, e.name).toBeGreaterThan(1600);
        expect(same(a, b), `${e.name}: after another utterance`).toBe(true);
        expect(same(a, c), `${e.name}: in another engine instance`).toBe(true);
      }
    } finally {
      closeEngines(first);
      closeEngines(second);
    }
  });
});

describe("renderInWorkers", () => {
  it("writes the same bytes as rendering in this thread", async () => {
    const { existsSync, mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { renderInWorkers } = await import("../../host/data/synth/pool");
    const { renderClip } = await import("../../host/data/synth/render");
    const { encodeWav16 } = await import("../../host/data/wav/write");
    const rendered = (r: ReturnType<typeof renderClip>) => {
      if ("defect" in r) throw new Error(`dropped: ${r.defect}`);
      return r.samples;
    };
    const { loadEngines, closeEngines } = await import("../../host/data/synth/tts/load");
    const engines = await loadEngines("auto");
    const names = engines.map((e) => e.name);
    const speakers = drawSpeakers(
      4,
      3,
      names.map((engine) => ({
        engine,
        voices: engines.find((e) => e.name === engine)?.voices ?? [],
      })),
    );
    const items = planClips(4, [{ word: "go", clips: 5 }], speakers, 2);
    // One take far too long for a second: the worker drops it and says why.
    items[1].text = "the quick brown fox jumps over the lazy dog";
    const root = mkdtempSync(join(tmpdir(), "earshot-synth-pool-"));
    try {
      const done: string[] = [];
      const dropped: string[] = [];
      await renderInWorkers({ root, seed: 4, engines: names }, items, 2, (rel, defect) =>
        defect ? dropped.push(`${rel} ${defect}`) : done.push(rel),
      );
      const kept = items.filter((_, i) => i !== 1);
      expect(done.sort()).toEqual(kept.map((i) => i.rel).sort());
      expect(dropped).toEqual([`${items[1].rel} too-long`]);
      expect(existsSync(join(root, items[1].rel))).toBe(false);
      const byName = new Map(engines.map((e) => [e.name, e]));
      for (const item of kept)
        expect(
          readFileSync(join(root, item.rel)).equals(
            encodeWav16(rendered(renderClip(item, 4, byName))),
          ),
          item.rel,
        ).toBe(true);
    } finally {
      closeEngines(engines);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
