/**
 * SHA-256 (FIPS 180-4) over a byte array, in the portable subset: bitwise work only through
 * shared/portable/int.ts, additions wrapped with toUint32, no typed arrays. Slow but exact; the
 * device runs it once per model load or OTA image.
 */
import { and32, not32, or32, shl32, srl32, toInt32, toUint32, xor32 } from "./int";

const K: number[] = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

function rotr(x: number, n: number): number {
  return or32(srl32(x, n), shl32(x, 32 - n));
}

/** SHA-256 of bytes[start, end) (defaults: the whole array); returns 32 bytes. */
export function sha256(bytes: number[], start?: number, end?: number): number[] {
  const from = start === undefined ? 0 : start;
  const to = end === undefined ? bytes.length : end;
  const len = to - from;
  const h: number[] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];
  const w: number[] = [];
  for (let i = 0; i < 64; i++) w.push(0);
  // Padded message: data, 0x80, zeros, 64-bit big-endian bit length; total a multiple of 64.
  // Whole blocks are read from `bytes` directly; the last one or two from a padded tail copy.
  const total = Math.floor((len + 9 + 63) / 64) * 64;
  const tailStart = Math.floor(len / 64) * 64;
  const tail: number[] = [];
  for (let i = tailStart; i < total; i++) tail.push(i < len ? bytes[from + i] : 0);
  tail[len - tailStart] = 0x80;
  let bitLen = len * 8;
  for (let k = 1; k <= 8; k++) {
    const rest = Math.floor(bitLen / 256);
    tail[total - tailStart - k] = bitLen - rest * 256;
    bitLen = rest;
  }
  for (let block = 0; block < total; block += 64) {
    const src = block < tailStart ? bytes : tail;
    const base = block < tailStart ? from + block : block - tailStart;
    for (let t = 0; t < 16; t++) {
      const p = base + t * 4;
      w[t] = toInt32(((src[p] * 256 + src[p + 1]) * 256 + src[p + 2]) * 256 + src[p + 3]);
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = xor32(xor32(rotr(x, 7), rotr(x, 18)), srl32(x, 3));
      const s1 = xor32(xor32(rotr(y, 17), rotr(y, 19)), srl32(y, 10));
      w[t] = toInt32(w[t - 16] + s0 + w[t - 7] + s1);
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = xor32(xor32(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
      const ch = xor32(and32(e, f), and32(not32(e), g));
      const t1 = toInt32(hh + S1 + ch + K[t] + w[t]);
      const S0 = xor32(xor32(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
      const maj = xor32(xor32(and32(a, b), and32(a, c)), and32(b, c));
      const t2 = toInt32(S0 + maj);
      hh = g;
      g = f;
      f = e;
      e = toInt32(d + t1);
      d = c;
      c = b;
      b = a;
      a = toInt32(t1 + t2);
    }
    h[0] = toInt32(h[0] + a);
    h[1] = toInt32(h[1] + b);
    h[2] = toInt32(h[2] + c);
    h[3] = toInt32(h[3] + d);
    h[4] = toInt32(h[4] + e);
    h[5] = toInt32(h[5] + f);
    h[6] = toInt32(h[6] + g);
    h[7] = toInt32(h[7] + hh);
  }
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    let v = toUint32(h[i]);
    const be: number[] = [0, 0, 0, 0];
    for (let k = 3; k >= 0; k--) {
      be[k] = v - Math.floor(v / 256) * 256;
      v = Math.floor(v / 256);
    }
    out.push(be[0], be[1], be[2], be[3]);
  }
  return out;
}

/** Lowercase hex of bytes. */
export function toHex(bytes: number[]): string {
  const digits = "0123456789abcdef";
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    s += digits.charAt(Math.floor(bytes[i] / 16)) + digits.charAt(bytes[i] % 16);
  }
  return s;
}
