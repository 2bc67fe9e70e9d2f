import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeWav, padOrTrim, readWav, readWavHeader, WavError } from "../../host/data/wav/read";
import { encodeWav16 } from "../../host/data/wav/write";
import { buildWav, chunk, dataBody, fmtBody, riff, tone, type WavSpec } from "./wav-fixtures";

const dir = mkdtempSync(join(tmpdir(), "earshot-wav-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => -0.9 + (1.8 * i) / (n - 1));

describe("decodeWav: formats", () => {
  const formats: [WavSpec["format"], number][] = [
    ["pcm8", 1 / 64],
    ["pcm16", 1e-4],
    ["pcm24", 1e-6],
    ["pcm32", 1e-6],
    ["float32", 1e-7],
    ["float64", 1e-7],
  ];
  for (const [format, tol] of formats) {
    for (const extensible of [false, true]) {
      it(`${format}${extensible ? " (extensible)" : ""} mono 16 kHz round-trips`, () => {
        const x = ramp(400);
        const w = decodeWav(buildWav({ channels: [x], rate: 16000, format, extensible }), "t.wav");
        expect(w.sampleRate).toBe(16000);
        expect(w.channels).toBe(1);
        expect(w.bitsPerSample).toBe(Number(format.replace(/\D/g, "")));
        expect(w.samples.length).toBe(400);
        expect(w.durationMs).toBe(25);
        for (let i = 0; i < x.length; i++) expect(Math.abs(w.samples[i] - x[i])).toBeLessThan(tol);
      });
    }
  }

  it("matches earshot's own 16-bit writer", () => {
    const x = tone(440, 16000, 1600);
    const w = decodeWav(encodeWav16(x), "w.wav");
    for (let i = 0; i < x.length; i++) expect(Math.abs(w.samples[i] - x[i])).toBeLessThan(1e-4);
  });

  it("downmixes stereo by averaging", () => {
    const l = Float32Array.from({ length: 100 }, () => 0.6);
    const r = Float32Array.from({ length: 100 }, () => -0.2);
    const w = decodeWav(buildWav({ channels: [l, r], rate: 16000, format: "pcm16" }), "s.wav");
    expect(w.channels).toBe(2);
    expect(w.samples.length).toBe(100);
    for (const v of w.samples) expect(v).toBeCloseTo(0.2, 3);
  });

  it("skips LIST and odd-sized chunks before and after fmt, honouring the pad byte", () => {
    const x = ramp(50);
    const buf = buildWav({
      channels: [x],
      rate: 16000,
      format: "pcm16",
      before: [["LIST", Buffer.from("INFOISFT\x03\x00\x00\x00abc", "latin1")]],
      between: [
        ["junk", Buffer.alloc(3, 0x55)],
        ["fact", Buffer.alloc(4)],
      ],
    });
    const w = decodeWav(buf, "l.wav");
    expect(w.samples.length).toBe(50);
    expect(w.samples[0]).toBeCloseTo(-0.9, 3);
    expect(w.samples[49]).toBeCloseTo(0.9, 3);
  });

  it("resamples other rates to 16 kHz", () => {
    const w = decodeWav(
      buildWav({ channels: [tone(1000, 44100, 44100)], rate: 44100, format: "pcm16" }),
      "r.wav",
    );
    expect(w.sampleRate).toBe(44100);
    expect(w.samples.length).toBe(16000);
    expect(w.durationMs).toBe(1000);
  });

  it("readWav and readWavHeader read a file from disk", () => {
    const p = join(dir, "ok.wav");
    writeFileSync(p, buildWav({ channels: [ramp(800)], rate: 8000, format: "pcm24" }));
    const h = readWavHeader(p);
    expect(h).toMatchObject({ format: "pcm", sampleRate: 8000, channels: 1, bitsPerSample: 24 });
    expect(h.frames).toBe(800);
    expect(readWav(p).samples.length).toBe(1600);
  });
});

describe("decodeWav: malformed input gives a WavError naming the file", () => {
  const good = buildWav({ channels: [ramp(200)], rate: 16000, format: "pcm16" });
  const fmt16 = (over: (b: Buffer) => void) => {
    const b = fmtBody({ format: "pcm16", rate: 16000 }, 1);
    over(b);
    return b;
  };
  const data = dataBody({ channels: [ramp(200)], rate: 16000, format: "pcm16" });
  const cases: [string, Buffer, RegExp][] = [
    ["empty file", Buffer.alloc(0), /too short/],
    ["garbage", Buffer.from("this is not audio at all, just some text"), /RIFF/],
    ["bad magic", Buffer.concat([Buffer.from("RIFX"), good.subarray(4)]), /RIFF/],
    [
      "RIFF but not WAVE",
      Buffer.concat([good.subarray(0, 8), Buffer.from("AVI "), good.subarray(12)]),
      /not WAVE/,
    ],
    ["truncated data", good.subarray(0, good.length - 101), /truncated/],
    ["truncated header", good.subarray(0, 30), /truncated|no data/],
    [
      "zero-length data",
      riff([
        chunk(
          "fmt ",
          fmt16(() => {}),
        ),
        chunk("data", Buffer.alloc(0)),
      ]),
      /no samples/,
    ],
    ["no fmt chunk", riff([chunk("data", data)]), /no fmt/],
    [
      "no data chunk",
      riff([
        chunk(
          "fmt ",
          fmt16(() => {}),
        ),
      ]),
      /no data/,
    ],
    [
      "zero channels",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt16LE(0, 2)),
        ),
        chunk("data", data),
      ]),
      /zero channels/,
    ],
    [
      "unsupported codec (mu-law)",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt16LE(7, 0)),
        ),
        chunk("data", data),
      ]),
      /format code 0x0007/,
    ],
    [
      "unsupported codec (ADPCM)",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt16LE(2, 0)),
        ),
        chunk("data", data),
      ]),
      /format code 0x0002/,
    ],
    [
      "absurd sample rate",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt32LE(4_000_000_000, 4)),
        ),
        chunk("data", data),
      ]),
      /sample rate/,
    ],
    [
      "absurd channel count",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => {
            b.writeUInt16LE(1000, 2);
            b.writeUInt16LE(2000, 12);
          }),
        ),
        chunk("data", data),
      ]),
      /channel count/,
    ],
    [
      "12-bit PCM",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt16LE(12, 14)),
        ),
        chunk("data", data),
      ]),
      /bit depth 12/,
    ],
    [
      "absurd data size",
      (() => {
        const b = Buffer.from(good);
        b.writeUInt32LE(0x7fffffff, 40);
        return b;
      })(),
      /truncated/,
    ],
    [
      "inconsistent block align",
      riff([
        chunk(
          "fmt ",
          fmt16((b) => b.writeUInt16LE(3, 12)),
        ),
        chunk("data", data),
      ]),
      /block align/,
    ],
  ];
  for (const [name, buf, reason] of cases) {
    it(name, () => {
      const file = join(dir, `${name.replace(/\W+/g, "-")}.wav`);
      writeFileSync(file, buf);
      for (const read of [() => readWav(file), () => readWavHeader(file)]) {
        let err: unknown;
        try {
          read();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(WavError);
        const w = err as WavError;
        expect(w.expected).toBe(true);
        expect(w.message).toContain(file);
        expect(w.message).toMatch(reason);
      }
    });
  }

  it("a missing file is a WavError too", () => {
    expect(() => readWav(join(dir, "nope.wav"))).toThrow(/nope\.wav: cannot read \(ENOENT\)/);
  });
});

describe("padOrTrim", () => {
  const x = Float32Array.from([1, 2, 3, 4]);
  it("pads short clips with zeros at the end (dataset convention) or centred", () => {
    expect(Array.from(padOrTrim(x, 6))).toEqual([1, 2, 3, 4, 0, 0]);
    expect(Array.from(padOrTrim(x, 6, "center"))).toEqual([0, 1, 2, 3, 4, 0]);
  });
  it("trims long clips from the end or evenly", () => {
    expect(Array.from(padOrTrim(x, 2))).toEqual([1, 2]);
    expect(Array.from(padOrTrim(x, 2, "center"))).toEqual([2, 3]);
  });
  it("defaults to 16,000 samples", () => {
    expect(padOrTrim(x).length).toBe(16000);
  });
});
