// earshot wasm kernels (AssemblyScript): the shared/kernels/types.ts contracts on int32 arrays
// in linear memory (pointers in bytes), bit for bit. Geometry is passed as a pointer to 12 i32
// [inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft] and requant as
// 4 i32 [inZp, outZp, actMin, actMax]. Built twice: scalar (wasm3 / wasm-interp class
// interpreters) and with SIMD (Node); ASC_FEATURE_SIMD picks the dot product at compile time.

@inline function ld(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function st(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

// floor((acc * mult + 2^(shift-1)) / 2^shift) exactly, without 128-bit products: split mult
// into 16-bit halves (as shared/quant/rescale.ts does in doubles).
function rescale(acc: i64, mult: i32, shift: i32): i64 {
  let a = acc;
  let m = <i64>mult;
  if (m < 0) {
    a = -a;
    m = -m;
  }
  const mh = m >> 16;
  const ml = m & 0xffff;
  const y = a * mh + ((a * ml) >> 16);
  return (y + (<i64>1 << <i64>(shift - 17))) >> <i64>(shift - 16);
}

@inline function clamp(v: i64, lo: i32, hi: i32): i32 {
  return v < <i64>lo ? lo : v > <i64>hi ? hi : <i32>v;
}

function divRoundHalfAway(sum: i64, count: i64): i64 {
  if (sum >= 0) return (sum + count / 2) / count;
  return -((-sum + count / 2) / count);
}

// sum (x[i] - zp) * w[i] = sum x*w - zp * sum w, in chunks of 256 (exact int32 partial sums).
function dotZp(x: usize, w: usize, n: i32, zp: i32): i64 {
  let total: i64 = 0;
  for (let c = 0; c < n; c += 256) {
    const m = n - c < 256 ? n - c : 256;
    let s: i32 = 0;
    let sw: i32 = 0;
    let i = 0;
    const xp = x + (<usize>c << 2);
    const wp = w + (<usize>c << 2);
    if (ASC_FEATURE_SIMD) {
      let vs = i32x4.splat(0);
      let vw = i32x4.splat(0);
      for (; i + 4 <= m; i += 4) {
        const xv = v128.load(xp + (<usize>i << 2));
        const wv = v128.load(wp + (<usize>i << 2));
        vs = i32x4.add(vs, i32x4.mul(xv, wv));
        vw = i32x4.add(vw, wv);
      }
      s = i32x4.extract_lane(vs, 0) + i32x4.extract_lane(vs, 1) + i32x4.extract_lane(vs, 2) + i32x4.extract_lane(vs, 3);
      sw = i32x4.extract_lane(vw, 0) + i32x4.extract_lane(vw, 1) + i32x4.extract_lane(vw, 2) + i32x4.extract_lane(vw, 3);
    }
    for (; i < m; i++) {
      const wv = ld(wp, i);
      s += ld(xp, i) * wv;
      sw += wv;
    }
    total += <i64>s - <i64>zp * <i64>sw;
  }
  return total;
}

// Interior pixels of a conv whose kernel rows are short (kW * inC < 16, e.g. a first layer
// with one input channel): one tight loop per output channel over its contiguous weights,
// sum x*w and sum w in int32 (exact: < 2^31 for int8/int16 windows of that size), no per-row
// call. No scratch memory: the marshallers own all of linear memory.
export function conv2d(x: usize, w: usize, bias: usize, mult: usize, shift: usize, g: usize, q: usize, out: usize): void {
  const inH = ld(g, 0), inW = ld(g, 1), inC = ld(g, 2), outH = ld(g, 3), outW = ld(g, 4), outC = ld(g, 5);
  const kH = ld(g, 6), kW = ld(g, 7), sH = ld(g, 8), sW = ld(g, 9), pT = ld(g, 10), pL = ld(g, 11);
  const inZp = ld(q, 0), outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  const taps = kH * kW * inC;
  const run = kW * inC;
  for (let oy = 0; oy < outH; oy++) {
    const iy0 = oy * sH - pT;
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sW - pL;
      const kx0 = ix0 < 0 ? -ix0 : 0;
      const kx1 = inW - ix0 < kW ? inW - ix0 : kW;
      const base = (oy * outW + ox) * outC;
      if (run < 16 && kH <= 16 && iy0 >= 0 && iy0 + kH <= inH && kx0 == 0 && kx1 == kW) {
        const xb = x + (<usize>((iy0 * inW + ix0) * inC) << 2);
        const rowStride = <usize>(inW * inC) << 2;
        for (let o = 0; o < outC; o++) {
          let wp = w + (<usize>(o * taps) << 2);
          let xp = xb;
          let s: i32 = 0;
          let sw: i32 = 0;
          for (let ky = 0; ky < kH; ky++) {
            for (let i = 0; i < run; i++) {
              const wv = load<i32>(wp + (<usize>i << 2));
              s += load<i32>(xp + (<usize>i << 2)) * wv;
              sw += wv;
            }
            wp += <usize>run << 2;
            xp += rowStride;
          }
          const acc = <i64>ld(bias, o) + <i64>s - <i64>inZp * <i64>sw;
          st(out, base + o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
        }
        continue;
      }
      for (let o = 0; o < outC; o++) {
        let acc = <i64>ld(bias, o);
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= inH || kx1 <= kx0) continue;
          const xp = x + (<usize>((iy * inW + ix0 + kx0) * inC) << 2);
          const wp = w + (<usize>(((o * kH + ky) * kW + kx0) * inC) << 2);
          acc += dotZp(xp, wp, (kx1 - kx0) * inC, inZp);
        }
        st(out, base + o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
      }
    }
  }
}

export function depthwiseConv2d(x: usize, w: usize, bias: usize, mult: usize, shift: usize, g: usize, q: usize, out: usize): void {
  const inH = ld(g, 0), inW = ld(g, 1), inC = ld(g, 2), outH = ld(g, 3), outW = ld(g, 4), outC = ld(g, 5);
  const kH = ld(g, 6), kW = ld(g, 7), sH = ld(g, 8), sW = ld(g, 9), pT = ld(g, 10), pL = ld(g, 11);
  const inZp = ld(q, 0), outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  const dm = outC / inC;
  for (let oy = 0; oy < outH; oy++) {
    const iy0 = oy * sH - pT;
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sW - pL;
      const base = (oy * outW + ox) * outC;
      for (let o = 0; o < outC; o++) {
        const ic = o / dm;
        let acc = <i64>ld(bias, o);
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= inW) continue;
            acc += <i64>(ld(x, (iy * inW + ix) * inC + ic) - inZp) * <i64>ld(w, (ky * kW + kx) * outC + o);
          }
        }
        st(out, base + o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
      }
    }
  }
}

export function dense(x: usize, w: usize, bias: usize, mult: usize, shift: usize, inN: i32, outN: i32, q: usize, out: usize): void {
  const inZp = ld(q, 0), outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  for (let o = 0; o < outN; o++) {
    const acc = <i64>ld(bias, o) + dotZp(x, w + (<usize>(o * inN) << 2), inN, inZp);
    st(out, o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
  }
}

function pool(x: usize, g: usize, lo: i32, hi: i32, out: usize, isMax: bool): void {
  const inH = ld(g, 0), inW = ld(g, 1), ch = ld(g, 2), outH = ld(g, 3), outW = ld(g, 4);
  const kH = ld(g, 6), kW = ld(g, 7), sH = ld(g, 8), sW = ld(g, 9), pT = ld(g, 10), pL = ld(g, 11);
  for (let oy = 0; oy < outH; oy++) {
    const iy0 = oy * sH - pT;
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sW - pL;
      for (let k = 0; k < ch; k++) {
        let sum: i64 = 0;
        let count = 0;
        let best = lo;
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= inW) continue;
            const v = ld(x, (iy * inW + ix) * ch + k);
            if (isMax) {
              if (count == 0 || v > best) best = v;
            } else sum += v;
            count++;
          }
        }
        const r: i64 = isMax ? <i64>best : count > 0 ? divRoundHalfAway(sum, count) : 0;
        st(out, (oy * outW + ox) * ch + k, clamp(r, lo, hi));
      }
    }
  }
}

export function avgPool2d(x: usize, g: usize, lo: i32, hi: i32, out: usize): void {
  pool(x, g, lo, hi, out, false);
}

export function maxPool2d(x: usize, g: usize, lo: i32, hi: i32, out: usize): void {
  pool(x, g, lo, hi, out, true);
}

export function globalAvgPool(x: usize, h: i32, w: i32, ch: i32, lo: i32, hi: i32, out: usize): void {
  const count = h * w;
  for (let k = 0; k < ch; k++) {
    let sum: i64 = 0;
    for (let p = 0; p < count; p++) sum += ld(x, p * ch + k);
    st(out, k, clamp(count > 0 ? divRoundHalfAway(sum, count) : 0, lo, hi));
  }
}

export function globalMaxPool(x: usize, h: i32, w: i32, ch: i32, lo: i32, hi: i32, out: usize): void {
  const count = h * w;
  for (let k = 0; k < ch; k++) {
    let best: i32 = count > 0 ? ld(x, k) : 0;
    for (let p = 1; p < count; p++) {
      const v = ld(x, p * ch + k);
      if (v > best) best = v;
    }
    st(out, k, clamp(<i64>best, lo, hi));
  }
}

// TFLite Micro's two-rounding requantization (shared/quant/rescale.ts rescaleTflm).
export function tflmRequantize(x: usize, mult: usize, shift: usize, n: i32, ch: i32, q: usize, out: usize): void {
  const outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  for (let i = 0; i < n; i++) {
    const c = i % ch;
    const e = 31 - ld(shift, c);
    const a: i64 = e > 0 ? <i64>ld(x, i) << <i64>e : <i64>ld(x, i);
    let y = rescale(a, ld(mult, c), 31);
    if (e < 0) y = divRoundHalfAway(y, <i64>1 << <i64>(-e));
    st(out, i, clamp(<i64>outZp + y, lo, hi));
  }
}

// p: [n, aZp, bZp, outZp, leftShift, aMult, aShift, bMult, bShift, outMult, outShift, actMin, actMax]
export function add(a: usize, b: usize, p: usize, out: usize): void {
  const n = ld(p, 0);
  const up = <i64>1 << <i64>ld(p, 4);
  for (let i = 0; i < n; i++) {
    const ra = rescale(<i64>(ld(a, i) - ld(p, 1)) * up, ld(p, 5), ld(p, 6));
    const rb = rescale(<i64>(ld(b, i) - ld(p, 2)) * up, ld(p, 7), ld(p, 8));
    st(out, i, clamp(<i64>ld(p, 3) + rescale(ra + rb, ld(p, 9), ld(p, 10)), ld(p, 11), ld(p, 12)));
  }
}

// ±1 dot of n packed values: 2 * popcount(xnor) - n over the valid bits.
function xnorDot(a: usize, b: usize, n: i32): i32 {
  const full = n >> 5;
  let matches = 0;
  let i = 0;
  for (; i + 1 < full; i += 2) {
    matches += <i32>popcnt<i64>(~(load<i64>(a + (<usize>i << 2)) ^ load<i64>(b + (<usize>i << 2))));
  }
  for (; i < full; i++) matches += popcnt<i32>(~(ld(a, i) ^ ld(b, i)));
  const rest = n & 31;
  if (rest != 0) matches += popcnt<i32>(~(ld(a, full) ^ ld(b, full)) & ((1 << rest) - 1));
  return 2 * matches - n;
}

@inline function thresholdBit(v: i32, thr: i32, dir: i32): bool {
  return dir > 0 ? v >= thr : v <= thr;
}

function convDot(x: usize, w: usize, g: usize, oy: i32, ox: i32, o: i32): i32 {
  const inH = ld(g, 0), inW = ld(g, 1), inC = ld(g, 2);
  const kH = ld(g, 6), kW = ld(g, 7), sH = ld(g, 8), sW = ld(g, 9), pT = ld(g, 10), pL = ld(g, 11);
  const wpr = (inC + 31) >> 5;
  const iy0 = oy * sH - pT;
  const ix0 = ox * sW - pL;
  let dot = 0;
  for (let ky = 0; ky < kH; ky++) {
    const iy = iy0 + ky;
    if (iy < 0 || iy >= inH) continue;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ix0 + kx;
      if (ix < 0 || ix >= inW) continue;
      dot += xnorDot(x + (<usize>((iy * inW + ix) * wpr) << 2), w + (<usize>(((o * kH + ky) * kW + kx) * wpr) << 2), inC);
    }
  }
  return dot;
}

export function binaryConv2d(x: usize, w: usize, thr: usize, dir: usize, g: usize, out: usize): void {
  const outH = ld(g, 3), outW = ld(g, 4), outC = ld(g, 5);
  const owpr = (outC + 31) >> 5;
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++)
      for (let wd = 0; wd < owpr; wd++) {
        let word = 0;
        for (let b = 0; b < 32; b++) {
          const o = wd * 32 + b;
          if (o >= outC) break;
          if (thresholdBit(convDot(x, w, g, oy, ox, o), ld(thr, o), ld(dir, o))) word |= 1 << b;
        }
        st(out, (oy * outW + ox) * owpr + wd, word);
      }
}

export function binaryConv2dInt(x: usize, w: usize, bias: usize, mult: usize, shift: usize, g: usize, q: usize, out: usize): void {
  const outH = ld(g, 3), outW = ld(g, 4), outC = ld(g, 5);
  const outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++)
      for (let o = 0; o < outC; o++) {
        const acc = <i64>ld(bias, o) + <i64>convDot(x, w, g, oy, ox, o);
        st(out, (oy * outW + ox) * outC + o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
      }
}

export function binaryDense(x: usize, w: usize, thr: usize, dir: usize, inN: i32, outN: i32, out: usize): void {
  const wpr = (inN + 31) >> 5;
  const owpr = (outN + 31) >> 5;
  for (let wd = 0; wd < owpr; wd++) {
    let word = 0;
    for (let b = 0; b < 32; b++) {
      const o = wd * 32 + b;
      if (o >= outN) break;
      if (thresholdBit(xnorDot(x, w + (<usize>(o * wpr) << 2), inN), ld(thr, o), ld(dir, o))) word |= 1 << b;
    }
    st(out, wd, word);
  }
}

export function binaryDenseInt(x: usize, w: usize, bias: usize, mult: usize, shift: usize, inN: i32, outN: i32, q: usize, out: usize): void {
  const wpr = (inN + 31) >> 5;
  const outZp = ld(q, 1), lo = ld(q, 2), hi = ld(q, 3);
  for (let o = 0; o < outN; o++) {
    const acc = <i64>ld(bias, o) + <i64>xnorDot(x, w + (<usize>(o * wpr) << 2), inN);
    st(out, o, clamp(<i64>outZp + rescale(acc, ld(mult, o), ld(shift, o)), lo, hi));
  }
}

export function binarize(x: usize, thr: usize, dir: usize, pixels: i32, ch: i32, out: usize): void {
  const wpr = (ch + 31) >> 5;
  for (let p = 0; p < pixels; p++)
    for (let wd = 0; wd < wpr; wd++) {
      let word = 0;
      for (let b = 0; b < 32; b++) {
        const c = wd * 32 + b;
        if (c >= ch) break;
        if (thresholdBit(ld(x, p * ch + c), ld(thr, c), ld(dir, c))) word |= 1 << b;
      }
      st(out, p * wpr + wd, word);
    }
}

function roundHalfAway(x: f64): f64 {
  const a = x < 0 ? -x : x;
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

export function quantize(x: usize, n: i32, scale: f64, zeroPoint: i32, lo: i32, hi: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const xi = load<f64>(x + (<usize>i << 3));
    const v: f64 = xi == xi ? roundHalfAway(xi / scale) + <f64>zeroPoint : <f64>zeroPoint;
    st(out, i, v < <f64>lo ? lo : v > <f64>hi ? hi : <i32>v);
  }
}

export function softmax(x: usize, lut: usize, lutLen: i32, n: i32, out: usize): void {
  let max = ld(x, 0);
  for (let i = 1; i < n; i++) if (ld(x, i) > max) max = ld(x, i);
  let sum: i64 = 0;
  for (let i = 0; i < n; i++) {
    const d = max - ld(x, i);
    sum += d < lutLen ? <i64>ld(lut, d) : 0;
  }
  const half = sum / 2;
  for (let i = 0; i < n; i++) {
    const d = max - ld(x, i);
    const e: i64 = d < lutLen ? <i64>ld(lut, d) : 0;
    st(out, i, sum > 0 ? <i32>((e * 32768 + half) / sum) : 0);
  }
}

// Where hosts may place operands: above the module's static data (memory.data tables,
// constants), which an operand written from address 0 would silently overwrite.
export function heapBase(): usize {
  return __heap_base;
}
