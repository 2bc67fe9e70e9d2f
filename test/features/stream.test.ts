import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import {
  extractFeatures,
  type FrontEndConfig,
  frameCount,
  LFBE_25_10_20,
  MFCC_30_10_40,
  StreamingFrontEnd,
} from "../../shared/features";
import { testSignal } from "./fixtures";

interface Collected {
  data: number[];
  starts: number[];
  ends: number[];
  buffers: Set<number[]>;
}

function collector(): {
  sink: { onFrame: (c: number[], i: number, s: number, e: number) => void };
  got: Collected;
} {
  const got: Collected = { data: [], starts: [], ends: [], buffers: new Set() };
  const sink = {
    onFrame(c: number[], i: number, s: number, e: number) {
      expect(i).toBe(got.starts.length);
      got.buffers.add(c);
      got.data.push(...c);
      got.starts.push(s);
      got.ends.push(e);
    },
  };
  return { sink, got };
}

/** Pushes `x` to a fresh streaming front end in chunks drawn by `chunk`. */
function stream(x: number[], cfg: FrontEndConfig, chunk: () => number): Collected {
  const { sink, got } = collector();
  const fe = new StreamingFrontEnd(cfg, sink);
  let i = 0;
  let emitted = 0;
  while (i < x.length) {
    const end = Math.min(x.length, i + chunk());
    emitted += fe.push(x, i, end);
    i = end;
  }
  expect(emitted).toBe(got.starts.length);
  expect(fe.samplesPushed).toBe(x.length);
  return got;
}

function expectBitwiseEqual(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  let mismatches = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) mismatches++;
  expect(mismatches).toBe(0);
}

describe("streaming front end", () => {
  const x = testSignal(1.23, 7);

  for (const cfg of [MFCC_30_10_40, LFBE_25_10_20]) {
    const batch = extractFeatures(x, cfg);

    it(`${cfg.kind} ${cfg.windowMs}/${cfg.hopMs}: equals batch bit for bit under random chunkings`, () => {
      const rng = new Rng(cfg.windowMs);
      const chunkers: [string, () => number][] = [
        ["1", () => 1],
        ["2000", () => 2000],
        ["hop", () => 160],
        ["1..2000", () => 1 + rng.int(2000)],
        ["1..7", () => 1 + rng.int(7)],
        ["whole clip", () => x.length],
      ];
      for (let trial = 0; trial < 4; trial++)
        chunkers.push([`1..2000 #${trial}`, () => 1 + rng.int(2000)]);
      for (const [name, chunk] of chunkers) {
        const got = stream(x, cfg, chunk);
        expect(got.starts.length, name).toBe(batch.frames);
        expectBitwiseEqual(got.data, batch.data);
        expect(got.buffers.size, `${name}: one reused output buffer`).toBe(1);
      }
    });
  }

  it("stamps each frame with its window in ms from the first sample", () => {
    const got = stream(x, MFCC_30_10_40, () => 333);
    expect(got.starts.length).toBe(frameCount(x.length, MFCC_30_10_40));
    got.starts.forEach((s, t) => {
      expect(s).toBe(t * 10);
      expect(got.ends[t]).toBe(t * 10 + 30);
    });
  });

  it("reset() starts a new stream that repeats the same frames", () => {
    const { sink, got } = collector();
    const fe = new StreamingFrontEnd(MFCC_30_10_40, sink);
    fe.push(x, 0, 5000);
    const first = got.data.slice();
    fe.reset();
    got.data.length = 0;
    got.starts.length = 0;
    expect(fe.framesEmitted).toBe(0);
    fe.push(x, 0, 5000);
    expectBitwiseEqual(got.data, first);
  });

  it("emits nothing until a whole window has arrived", () => {
    const { sink, got } = collector();
    const fe = new StreamingFrontEnd(MFCC_30_10_40, sink);
    expect(fe.push(x, 0, 479)).toBe(0);
    expect(fe.push(x, 479, 480)).toBe(1);
    expect(fe.push(x, 480, 639)).toBe(0);
    expect(fe.push(x, 639, 640)).toBe(1);
    expect(got.starts).toEqual([0, 10]);
  });
});
