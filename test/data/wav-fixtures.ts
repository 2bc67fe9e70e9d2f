/**
 * Builds WAV files byte by byte for the reader's tests: every sample format, extra chunks,
 * odd-sized chunk padding, WAVE_FORMAT_EXTENSIBLE, and deliberately broken variants.
 */

export interface WavSpec {
  /** Per-channel signals in [-1, 1]; all the same length. */
  channels: Float32Array[];
  rate: number;
  format: "pcm8" | "pcm16" | "pcm24" | "pcm32" | "float32" | "float64";
  extensible?: boolean;
  /** Chunks placed before fmt (id, body); odd-length bodies get a pad byte. */
  before?: [string, Buffer][];
  /** Chunks placed between fmt and data. */
  between?: [string, Buffer][];
}

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

const BITS = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 } as const;

export function fmtBody(
  spec: Pick<WavSpec, "format" | "extensible" | "rate">,
  nch: number,
): Buffer {
  const bits = BITS[spec.format];
  const code = spec.format.startsWith("float") ? 3 : 1;
  const body = Buffer.alloc(spec.extensible ? 40 : 16);
  body.writeUInt16LE(spec.extensible ? 0xfffe : code, 0);
  body.writeUInt16LE(nch, 2);
  body.writeUInt32LE(spec.rate, 4);
  body.writeUInt32LE((spec.rate * nch * bits) / 8, 8);
  body.writeUInt16LE((nch * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  if (spec.extensible) {
    body.writeUInt16LE(22, 16); // cbSize
    body.writeUInt16LE(bits, 18); // valid bits
    body.writeUInt32LE(nch === 1 ? 4 : 3, 20); // channel mask
    body.writeUInt16LE(code, 24); // SubFormat GUID starts with the format code
    Buffer.from("000000001000800000aa00389b71", "hex").copy(body, 26);
  }
  return body;
}

export function dataBody(spec: WavSpec): Buffer {
  const bits = BITS[spec.format];
  const nch = spec.channels.length;
  const n = spec.channels[0].length;
  const bytes = bits / 8;
  const buf = Buffer.alloc(n * nch * bytes);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++, o += bytes) {
      const v = Math.max(-1, Math.min(1, spec.channels[c][i]));
      switch (spec.format) {
        case "pcm8":
          buf[o] = Math.max(0, Math.min(255, Math.round(v * 127 + 128)));
          break;
        case "pcm16":
          buf.writeInt16LE(Math.round(v * 32767), o);
          break;
        case "pcm24":
          buf.writeIntLE(Math.round(v * 8388607), o, 3);
          break;
        case "pcm32":
          buf.writeInt32LE(Math.round(v * 2147483647), o);
          break;
        case "float32":
          buf.writeFloatLE(v, o);
          break;
        case "float64":
          buf.writeDoubleLE(v, o);
          break;
      }
    }
  }
  return buf;
}

export function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WAVE", "latin1"), ...chunks]);
  const head = Buffer.alloc(8);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

export function buildWav(spec: WavSpec): Buffer {
  return riff([
    ...(spec.before ?? []).map(([id, b]) => chunk(id, b)),
    chunk("fmt ", fmtBody(spec, spec.channels.length)),
    ...(spec.between ?? []).map(([id, b]) => chunk(id, b)),
    chunk("data", dataBody(spec)),
  ]);
}

export { chunk };

export function tone(freq: number, rate: number, n: number, amp = 0.5): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate),
  );
}
