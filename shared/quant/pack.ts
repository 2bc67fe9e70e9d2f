/**
 * Bit packing of stored tensors.
 *
 * Integer tensors at 2/4/5/8/16/32 bits: a little-endian bitstream of two's-complement fields,
 * element 0 in the lowest bits of byte 0, fields may straddle bytes (5-bit: 8 elements per 5
 * bytes); the last byte is zero-padded. Unsigned tensors use the same stream without the sign.
 *
 * Binary tensors (±1): 32 per int32 word along the last axis, bit (c % 32) of word (c / 32) is 1
 * for +1 and 0 for -1, unused high bits 0; each row of the last axis starts a new word. In a
 * file each word is 4 little-endian bytes.
 */
import { toInt32, toUint32 } from "../portable/int";
import { pow2Table } from "./rescale";

/** Smallest value of a signed `bits`-wide integer. */
export function signedMin(bits: number): number {
  return -pow2Table(bits - 1);
}

/** Largest value of a signed `bits`-wide integer. */
export function signedMax(bits: number): number {
  return pow2Table(bits - 1) - 1;
}

/** Bytes a packed stream of `count` fields of `bits` each occupies. */
export function packedByteLength(count: number, bits: number): number {
  return Math.floor((count * bits + 7) / 8);
}

/**
 * Packs integers into a bitstream of `bits`-wide fields (see module comment). Values must fit:
 * signed in [signedMin, signedMax], unsigned in [0, 2^bits). Returns bytes (0..255).
 */
export function packBits(values: number[], bits: number, signed: boolean): number[] {
  const out: number[] = [];
  const span = pow2Table(bits);
  let acc = 0; // pending bits, value < 2^(bits + 8)
  let nAcc = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    const lo = signed ? signedMin(bits) : 0;
    const hi = signed ? signedMax(bits) : span - 1;
    if (!(v >= lo && v <= hi && Math.floor(v) === v)) {
      throw new Error(`packBits: value ${v} at ${i} does not fit ${bits} bits`);
    }
    if (v < 0) v += span;
    acc += v * pow2Table(nAcc);
    nAcc += bits;
    while (nAcc >= 8) {
      const byte = acc - Math.floor(acc / 256) * 256;
      out.push(byte);
      acc = Math.floor(acc / 256);
      nAcc -= 8;
    }
  }
  if (nAcc > 0) out.push(acc);
  return out;
}

/**
 * Unpacks `count` fields of `bits` from `bytes` starting at byte `offset` into `out` (from 0).
 * The caller checks that packedByteLength(count, bits) bytes are available.
 */
export function unpackBits(
  bytes: number[],
  offset: number,
  count: number,
  bits: number,
  signed: boolean,
  out: number[],
): void {
  if (bits === 8) {
    // One field per byte (weights, most activations): no bit accumulator, no calls per value
    // (each costs an interpreter thousands of instructions: a model's load is mostly this).
    for (let i = 0; i < count; i++) {
      const v = bytes[offset + i];
      out[i] = signed && v >= 128 ? v - 256 : v;
    }
    return;
  }
  const span = pow2Table(bits);
  const half = pow2Table(bits - 1);
  let acc = 0;
  let nAcc = 0;
  let p = offset;
  for (let i = 0; i < count; i++) {
    while (nAcc < bits) {
      acc += bytes[p] * pow2Table(nAcc);
      p++;
      nAcc += 8;
    }
    const rest = Math.floor(acc / span);
    let v = acc - rest * span;
    acc = rest;
    nAcc -= bits;
    if (signed && v >= half) v -= span;
    out[i] = v;
  }
}

/** Words needed for one row of `ch` packed ±1 values. */
export function wordsPerRow(ch: number): number {
  return Math.floor((ch + 31) / 32);
}

/**
 * Packs ±1 values (any value >= 0 counts as +1, as larq's sign) shaped [rows, ch] into
 * rows * wordsPerRow(ch) int32 words.
 */
export function packSigns(values: number[], rows: number, ch: number): number[] {
  const wpr = wordsPerRow(ch);
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < wpr; w++) {
      let word = 0;
      let bit = 1;
      for (let b = 0; b < 32; b++) {
        const c = w * 32 + b;
        if (c < ch && values[r * ch + c] >= 0) word += bit;
        bit = bit * 2;
      }
      out.push(toInt32(word));
    }
  }
  return out;
}

/** Unpacks rows * wordsPerRow(ch) words into [rows, ch] values of +1 / -1. */
export function unpackSigns(words: number[], rows: number, ch: number, out: number[]): void {
  const wpr = wordsPerRow(ch);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < wpr; w++) {
      let word = toUint32(words[r * wpr + w]);
      for (let b = 0; b < 32; b++) {
        const c = w * 32 + b;
        const rest = Math.floor(word / 2);
        if (c < ch) out[r * ch + c] = word - rest * 2 === 1 ? 1 : -1;
        word = rest;
      }
    }
  }
}

/** Serializes int32 words as little-endian bytes. */
export function wordsToBytes(words: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    let u = toUint32(words[i]);
    for (let k = 0; k < 4; k++) {
      const rest = Math.floor(u / 256);
      out.push(u - rest * 256);
      u = rest;
    }
  }
  return out;
}

/** Reads `count` little-endian int32 words from `bytes` at `offset` into `out`. */
export function bytesToWords(bytes: number[], offset: number, count: number, out: number[]): void {
  for (let i = 0; i < count; i++) {
    const p = offset + i * 4;
    const u = bytes[p] + bytes[p + 1] * 256 + bytes[p + 2] * 65536 + bytes[p + 3] * 16777216;
    out[i] = toInt32(u);
  }
}
