import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { endianness } from "node:os";
import { EarshotError } from "../../../shared/errors";
import { resample } from "../resample";

/**
 * RIFF/WAVE reader. Accepts PCM 8-bit (unsigned), 16/24/32-bit (signed), IEEE float 32/64,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count (downmixed by averaging) and any sample
 * rate (resampled to 16 kHz). Unknown chunks (LIST, fact, cue ...) are skipped, honouring the
 * pad byte after odd-sized chunks. Anything malformed throws a `WavError` naming the file.
 */

/** The rate every clip is converted to: Speech Commands' own. */
export const TARGET_RATE = 16000;

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const MAX_CHANNELS = 32;
const MIN_RATE = 1000;
const MAX_RATE = 768000;

/** A WAV file that cannot be read; `expected` makes the CLI print just the message. */
export class WavError extends EarshotError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super("wav", `${path}: ${reason}`);
    this.name = "WavError";
  }
}

export type SampleFormat = "pcm" | "float";

/** What the header says, plus where the samples lie in the file. */
export interface WavLayout {
  format: SampleFormat;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of whole frames in the data chunk. */
  dataBytes: number;
  /** Frames (samples per channel). */
  frames: number;
  durationMs: number;
}

export interface DecodedWav {
  /** Mono, 16 kHz, in [-1, 1]. */
  samples: Float32Array;
  /** The file's own rate, before conversion. */
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationMs: number;
}

function fourcc(buf: Buffer, off: number): string {
  return buf.toString("latin1", off, off + 4);
}

/**
 * Parses the chunk structure of a WAV file. `buf` holds at least the file's start (the whole file
 * when decoding); `fileSize` is the file's full length, so a header-only read can still detect a
 * truncated data chunk.
 */
export function parseWavLayout(buf: Buffer, fileSize: number, name: string): WavLayout {
  const bad = (reason: string) => new WavError(name, reason);
  if (fileSize < 12 || buf.length < 12) throw bad(`too short for a WAV file (${fileSize} bytes)`);
  if (fourcc(buf, 0) !== "RIFF") throw bad("not a RIFF file (missing 'RIFF' magic)");
  if (fourcc(buf, 8) !== "WAVE") throw bad("RIFF file is not WAVE");

  let fmt: Omit<WavLayout, "dataOffset" | "dataBytes" | "frames" | "durationMs"> | null = null;
  let blockAlign = 0;
  let data: { offset: number; size: number } | null = null;
  let off = 12;
  while (off + 8 <= fileSize) {
    if (off + 8 > buf.length) break; // header-only read ran out before the data chunk
    const id = fourcc(buf, off);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === "data") {
      const remaining = fileSize - body;
      // Streaming writers leave 0xFFFFFFFF when the length was unknown: data runs to the end.
      if (size === 0xffffffff) size = remaining;
      if (size > remaining)
        throw bad(`truncated: data chunk declares ${size} bytes but only ${remaining} remain`);
      data = { offset: body, size };
      if (fmt) break;
    } else if (id === "fmt ") {
      if (size < 16) throw bad(`fmt chunk too small (${size} bytes)`);
      if (body + size > fileSize) throw bad("truncated inside the fmt chunk");
      if (body + 16 > buf.length) throw bad("fmt chunk not within the header read");
      let code = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      const sampleRate = buf.readUInt32LE(body + 4);
      blockAlign = buf.readUInt16LE(body + 12);
      const bitsPerSample = buf.readUInt16LE(body + 14);
      if (code === FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > buf.length)
          throw bad("WAVE_FORMAT_EXTENSIBLE fmt chunk too small");
        code = buf.readUInt16LE(body + 24); // first two bytes of the SubFormat GUID
      }
      if (channels === 0) throw bad("zero channels");
      if (channels > MAX_CHANNELS) throw bad(`absurd channel count ${channels}`);
      if (sampleRate < MIN_RATE || sampleRate > MAX_RATE)
        throw bad(`unsupported sample rate ${sampleRate} Hz`);
      let format: SampleFormat;
      if (code === FORMAT_PCM) {
        if (![8, 16, 24, 32].includes(bitsPerSample))
          throw bad(`unsupported PCM bit depth ${bitsPerSample}`);
        format = "pcm";
      } else if (code === FORMAT_FLOAT) {
        if (bitsPerSample !== 32 && bitsPerSample !== 64)
          throw bad(`unsupported float bit depth ${bitsPerSample}`);
        format = "float";
      } else {
        throw bad(
          `unsupported format code 0x${code.toString(16).padStart(4, "0")} (want PCM or float)`,
        );
      }
      if (blockAlign !== channels * (bitsPerSample / 8))
        throw bad(
          `block align ${blockAlign} does not match ${channels} channel(s) x ${bitsPerSample} bits`,
        );
      fmt = { format, sampleRate, channels, bitsPerSample };
      if (data) break;
    }
    const next = body + size + (size & 1); // chunks are padded to even length
    if (next <= off) throw bad("corrupt chunk size");
    off = next;
  }
  if (!fmt) throw bad("no fmt chunk");
  if (!data) throw bad("no data chunk");
  const f = fmt;
  const d = data;
  const frames = Math.floor(d.size / blockAlign);
  if (frames === 0) throw bad("data chunk holds no samples");
  return {
    ...f,
    dataOffset: d.offset,
    dataBytes: frames * blockAlign,
    frames,
    durationMs: (frames * 1000) / f.sampleRate,
  };
}

const LITTLE_ENDIAN = endianness() === "LE";

/** Fast path for the dataset's own format: a typed-array view instead of per-sample reads. */
function pcm16ToMono(buf: Buffer, l: WavLayout): Float32Array {
  // Copy into a fresh (aligned) buffer: Node's pooled Buffers may start at an odd offset.
  const bytes = new Uint8Array(l.dataBytes);
  bytes.set(buf.subarray(l.dataOffset, l.dataOffset + l.dataBytes));
  const pcm = new Int16Array(bytes.buffer);
  const out = new Float32Array(l.frames);
  const ch = l.channels;
  const scale = 1 / (32768 * ch);
  for (let i = 0, o = 0; i < l.frames; i++) {
    let s = 0;
    for (let c = 0; c < ch; c++) s += pcm[o++];
    out[i] = s * scale;
  }
  return out;
}

/** Reads the interleaved samples of `layout` and averages channels into one [-1, 1] signal. */
function toMono(buf: Buffer, l: WavLayout): Float32Array {
  if (l.format === "pcm" && l.bitsPerSample === 16 && LITTLE_ENDIAN) return pcm16ToMono(buf, l);
  const out = new Float32Array(l.frames);
  const bytes = l.bitsPerSample / 8;
  const read: (o: number) => number =
    l.format === "float"
      ? l.bitsPerSample === 32
        ? (o) => buf.readFloatLE(o)
        : (o) => buf.readDoubleLE(o)
      : l.bitsPerSample === 8
        ? (o) => (buf[o] - 128) / 128
        : l.bitsPerSample === 16
          ? (o) => buf.readInt16LE(o) / 32768
          : l.bitsPerSample === 24
            ? (o) => buf.readIntLE(o, 3) / 8388608
            : (o) => buf.readInt32LE(o) / 2147483648;
  let o = l.dataOffset;
  for (let i = 0; i < l.frames; i++) {
    let s = 0;
    for (let c = 0; c < l.channels; c++, o += bytes) s += read(o);
    const v = s / l.channels;
    // Float files may exceed full scale; NaN would poison every feature downstream.
    out[i] = Number.isNaN(v) ? 0 : Math.min(1, Math.max(-1, v));
  }
  return out;
}

/** Decodes a whole WAV file held in memory; `name` appears in errors (usually the path). */
export function decodeWav(buf: Buffer, name: string): DecodedWav {
  const layout = parseWavLayout(buf, buf.length, name);
  const mono = toMono(buf, layout);
  const samples =
    layout.sampleRate === TARGET_RATE ? mono : resample(mono, layout.sampleRate, TARGET_RATE);
  return {
    samples,
    sampleRate: layout.sampleRate,
    channels: layout.channels,
    bitsPerSample: layout.bitsPerSample,
    durationMs: layout.durationMs,
  };
}

function readError(path: string, err: unknown): WavError {
  const code = (err as NodeJS.ErrnoException).code;
  return new WavError(path, `cannot read (${code ?? (err as Error).message})`);
}

/**
 * Largest WAV file read: 256 MiB is over 2 hours of 16 kHz 16-bit mono, and decoding takes
 * several times the file size in memory. Without a cap `/dev/zero` or a runaway file would
 * grow the process until the machine swaps.
 */
export const MAX_WAV_BYTES = 256 * 1024 * 1024;

/**
 * Refuses what is not a regular file of sane size before opening it: opening a named pipe
 * blocks until someone writes, and a device such as /dev/zero never ends.
 */
function checkInputFile(path: string): number {
  const st = statSync(path);
  if (st.isFIFO())
    throw new WavError(path, "is a named pipe, not a file (write it to a file first)");
  if (!st.isFile()) throw new WavError(path, "is not a regular file");
  if (st.size > MAX_WAV_BYTES) {
    throw new WavError(
      path,
      `is ${(st.size / 2 ** 20).toFixed(0)} MiB; WAV input is capped at ${MAX_WAV_BYTES / 2 ** 20} MiB (split it)`,
    );
  }
  return st.size;
}

/** Reads and decodes a WAV file: mono, 16 kHz, [-1, 1]. */
export function readWav(path: string): DecodedWav {
  let buf: Buffer;
  try {
    checkInputFile(path);
    buf = readFileSync(path);
  } catch (err) {
    if (err instanceof WavError) throw err;
    throw readError(path, err);
  }
  return decodeWav(buf, path);
}

/** Bytes read to find the fmt and data chunks without loading the samples. */
const HEADER_BYTES = 64 * 1024;

/** Validates a WAV file's header (incl. truncation) without decoding its samples. */
export function readWavHeader(path: string): WavLayout {
  let fd: number | undefined;
  try {
    const size = checkInputFile(path);
    fd = openSync(path, "r");
    const buf = Buffer.alloc(Math.min(size, HEADER_BYTES));
    const got = readSync(fd, buf, 0, buf.length, 0);
    try {
      return parseWavLayout(buf.subarray(0, got), size, path);
    } catch (err) {
      // Rare layouts put a chunk we need past the first 64 KB: parse the whole file then.
      if (!(err instanceof WavError) || got >= size) throw err;
      return parseWavLayout(readFileSync(path), size, path);
    }
  } catch (err) {
    if (err instanceof WavError) throw err;
    throw readError(path, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Speech Commands clip length: 1 s at 16 kHz. */
export const CLIP_SAMPLES = TARGET_RATE;

/**
 * Fits a clip to exactly `n` samples. "end" (the default) follows the dataset's own convention
 * (TensorFlow's decode_wav with desired_samples): keep the start, zero-pad or cut at the end.
 * "center" pads or cuts evenly on both sides. Always returns a new array.
 */
export function padOrTrim(
  samples: Float32Array,
  n: number = CLIP_SAMPLES,
  align: "end" | "center" = "end",
): Float32Array {
  const out = new Float32Array(n);
  if (samples.length >= n) {
    const start = align === "center" ? Math.floor((samples.length - n) / 2) : 0;
    out.set(samples.subarray(start, start + n));
  } else {
    const at = align === "center" ? Math.floor((n - samples.length) / 2) : 0;
    out.set(samples, at);
  }
  return out;
}
