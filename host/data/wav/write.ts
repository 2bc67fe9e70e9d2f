import { writeFileSync } from "node:fs";

/**
 * Encodes mono audio as a 16-bit PCM RIFF/WAVE file. Samples are floats in [-1, 1]
 * (clipped) or already-int16 values when `int16` is passed.
 */
export function encodeWav16(samples: ArrayLike<number>, sampleRate = 16000, int16 = false): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write("WAVE", 8, "ascii");
  buf.write("fmt ", 12, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const v = int16 ? samples[i] : Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767);
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, v)), 44 + i * 2);
  }
  return buf;
}

export function writeWav16(path: string, samples: ArrayLike<number>, sampleRate = 16000): void {
  writeFileSync(path, encodeWav16(samples, sampleRate));
}
