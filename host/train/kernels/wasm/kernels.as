// AssemblyScript gradient kernels for the tfjs wasm backend.
//
// They run on the backend's own heap (the module imports its memory), so every pointer argument
// is a byte offset of a float32 NHWC tensor there and nothing is copied. No allocation, no
// static data: the module must never write outside the buffers it is given.
// Built by build.mjs into ../wasm-binary.ts; test/train/kernels.test.ts checks each against the CPU
// backend.

@inline
function addScaledRow(dst: usize, src: usize, scale: f32, n: i32): void {
  const s = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(src + o), s)));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o) * scale);
  }
}

@inline
function addProductRow(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(a + o), v128.load(b + o))));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(a + o) * load<f32>(b + o));
  }
}

/**
 * Transposed im2col: out[k][m] with k = (fy*fw + fx)*c + ci (the filter's [fh,fw,c] order) and
 * m = (b*oh + y)*ow + x, zero where the window reaches into padding. out is [fh*fw*c, n*oh*ow],
 * so dW = out · dY (as [n*oh*ow, outC]) lands directly in the filter layout [fh,fw,c,outC].
 */
export function im2colT(
  x: usize, out: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  // Loop over output rows outermost so the input rows a window covers stay in L1 while all
  // fh*fw*c output rows take their segment (one pass over x instead of fh*fw*c strided passes).
  const m = n * oh * ow;
  const rowBytes = <usize>(ow << 2);
  const stride = <usize>(sw * c) << 2;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const m0 = (b * oh + y) * ow;
      for (let fy = 0; fy < fh; fy++) {
        const iy = y * sh + fy * dh - pt;
        const inside = iy >= 0 && iy < h;
        for (let fx = 0; fx < fw; fx++) {
          // Output columns whose input column is inside the image: x in [x0, x1).
          const off = fx * dw - pl;
          let x0 = off < 0 ? (-off + sw - 1) / sw : 0;
          let x1 = (w - off + sw - 1) / sw;
          if (x1 > ow) x1 = ow;
          if (x0 > x1) x0 = x1;
          for (let ci = 0; ci < c; ci++) {
            const k = (fy * fw + fx) * c + ci;
            let o = out + (<usize>(k * m + m0) << 2);
            if (!inside) {
              memory.fill(o, 0, rowBytes);
              continue;
            }
            let xx = 0;
            for (; xx < x0; xx++) {
              store<f32>(o, 0);
              o += 4;
            }
            let src = x + (<usize>(((b * h + iy) * w + x0 * sw + off) * c + ci) << 2);
            for (; xx < x1; xx++) {
              store<f32>(o, load<f32>(src));
              src += stride;
              o += 4;
            }
            for (; xx < ow; xx++) {
              store<f32>(o, 0);
              o += 4;
            }
          }
        }
      }
    }
  }
}

/**
 * Average-pool gradient: each output's gradient spread evenly (times `scale`, tfjs uses
 * 1/(fh*fw)) over the input positions of its window.
 */
export function avgPoolGrad(
  dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32, scale: f32,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let src = dy;
  const row = <usize>(c << 2);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let fy = 0; fy < fh; fy++) {
          const iy = y * sh + fy - pt;
          if (iy < 0 || iy >= h) continue;
          for (let fx = 0; fx < fw; fx++) {
            const ix = x * sw + fx - pl;
            if (ix < 0 || ix >= w) continue;
            addScaledRow(dx + (<usize>(((b * h + iy) * w + ix) * c) << 2), src, scale, c);
          }
        }
        src += row;
      }
    }
  }
}

/**
 * Depthwise conv filter gradient: dw[fy, fx, ci, q] = sum over batch and output positions of
 * x[b, iy, ix, ci] * dy[b, y, x, ci*mult + q]. dw is [fh, fw, c, mult].
 */
export function depthwiseFilterGrad(
  x: usize, dy: usize, dwOut: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  mult: i32, fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  const oc = c * mult;
  memory.fill(dwOut, 0, <usize>(fh * fw * oc) << 2);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const dyp = dy + (<usize>(((b * oh + y) * ow + xo) * oc) << 2);
        for (let fy = 0; fy < fh; fy++) {
          const iy = y * sh + fy * dh - pt;
          if (iy < 0 || iy >= h) continue;
          for (let fx = 0; fx < fw; fx++) {
            const ix = xo * sw + fx * dw - pl;
            if (ix < 0 || ix >= w) continue;
            const xp = x + (<usize>(((b * h + iy) * w + ix) * c) << 2);
            const wp = dwOut + (<usize>((fy * fw + fx) * oc) << 2);
            if (mult == 1) {
              addProductRow(wp, xp, dyp, c);
            } else {
              for (let ci = 0; ci < c; ci++) {
                addScaledRow(
                  wp + (<usize>(ci * mult) << 2),
                  dyp + (<usize>(ci * mult) << 2),
                  load<f32>(xp + (<usize>ci << 2)),
                  mult,
                );
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Depthwise conv input gradient: dx[b, iy, ix, ci] = sum over outputs whose window covers
 * (iy, ix) of sum_q dy[b, y, x, ci*mult + q] * filter[fy, fx, ci, q].
 */
export function depthwiseInputGrad(
  dy: usize, filter: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  mult: i32, fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  const oc = c * mult;
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const dyp = dy + (<usize>(((b * oh + y) * ow + xo) * oc) << 2);
        for (let fy = 0; fy < fh; fy++) {
          const iy = y * sh + fy * dh - pt;
          if (iy < 0 || iy >= h) continue;
          for (let fx = 0; fx < fw; fx++) {
            const ix = xo * sw + fx * dw - pl;
            if (ix < 0 || ix >= w) continue;
            const xp = dx + (<usize>(((b * h + iy) * w + ix) * c) << 2);
            const wp = filter + (<usize>((fy * fw + fx) * oc) << 2);
            if (mult == 1) {
              addProductRow(xp, dyp, wp, c);
            } else {
              for (let ci = 0; ci < c; ci++) {
                let acc: f32 = 0;
                for (let q = 0; q < mult; q++) {
                  const o = <usize>((ci * mult + q) << 2);
                  acc += load<f32>(dyp + o) * load<f32>(wp + o);
                }
                const d = xp + (<usize>ci << 2);
                store<f32>(d, load<f32>(d) + acc);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Max-pool gradient: each output's gradient goes to the first (row-major) largest input of its
 * window, as in tfjs' CPU kernel. (The stock wasm kernel misroutes it when channels > 1.)
 */
export function maxPoolGrad(
  x: usize, dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let g = dy;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ci = 0; ci < c; ci++) {
          let best = -Infinity;
          let at: isize = -1;
          for (let fy = 0; fy < fh; fy++) {
            const iy = y * sh + fy - pt;
            if (iy < 0 || iy >= h) continue;
            for (let fx = 0; fx < fw; fx++) {
              const ix = xo * sw + fx - pl;
              if (ix < 0 || ix >= w) continue;
              const o = <isize>((((b * h + iy) * w + ix) * c + ci) << 2);
              const v = load<f32>(x + o);
              if (v > best || at < 0) {
                best = v;
                at = o;
              }
            }
          }
          if (at >= 0) store<f32>(dx + at, load<f32>(dx + at) + load<f32>(g));
          g += 4;
        }
      }
    }
  }
}

/** ReLU gradient in one pass: dx = x > 0 ? dy : 0 (n floats). */
export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    const mask = f32x4.gt(v128.load(x + o), zero);
    v128.store(dx + o, v128.and(v128.load(dy + o), mask));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/**
 * Sum over every axis but the last: out[c] = scale * Σ_r x[r*c + c'] for a rows x c tensor,
 * accumulated in f64 (in `work`, 8c bytes) row by row, so x is read once in memory order.
 * (tfjs' wasm Sum transposes the whole tensor first for these axes.)
 */
export function channelSum(x: usize, out: usize, rows: i32, c: i32, scale: f64, work: usize): void {
  memory.fill(work, 0, <usize>c << 3);
  let p = x;
  const row = <usize>(c << 2);
  for (let r = 0; r < rows; r++) {
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const v = v128.load(p + (<usize>j << 2));
      const w = work + (<usize>j << 3);
      v128.store(w, f64x2.add(v128.load(w), f64x2.promote_low_f32x4(v)));
      const hi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
      v128.store(w + 16, f64x2.add(v128.load(w + 16), f64x2.promote_low_f32x4(hi)));
    }
    for (; j < c; j++) {
      const w = work + (<usize>j << 3);
      store<f64>(w, load<f64>(w) + <f64>load<f32>(p + (<usize>j << 2)));
    }
    p += row;
  }
  for (let j = 0; j < c; j++) {
    store<f32>(out + (<usize>j << 2), <f32>(load<f64>(work + (<usize>j << 3)) * scale));
  }
}

/** ceil(t / s) clamped at 0: the first output index i >= 0 with i*s >= t. */
@inline
function firstAtLeast(t: i32, s: i32): i32 {
  return t <= 0 ? 0 : (t + s - 1) / s;
}

/** The number of output indices i in [0, ow) with i*s <= t. */
@inline
function countAtMost(t: i32, s: i32, ow: i32): i32 {
  if (t < 0) return 0;
  const k = t / s + 1;
  return k < ow ? k : ow;
}

/**
 * x value for filter row k = fx*c + ci at output column xo, 0 where that reaches into padding:
 * the slow path at the image borders.
 */
@inline
function patchValue(xRow: usize, k: i32, xo: i32, c: i32, w: i32, sw: i32, pl: i32): f32 {
  const ix = xo * sw - pl + k / c;
  if (ix < 0 || ix >= w) return 0;
  return load<f32>(xRow + (<usize>((xo * sw - pl) * c + k) << 2));
}

/** x value of filter row k at column xo, broadcast: a vector load inside, checked at borders. */
@inline
function splatX(
  xp: usize, q: usize, xRow: usize, k: i32, xo: i32, fastLo: i32, fastHi: i32,
  c: i32, w: i32, sw: i32, pl: i32,
): v128 {
  if (xo >= fastLo && xo < fastHi) return v128.load32_splat(xp + q);
  return f32x4.splat(patchValue(xRow, k, xo, c, w, sw, pl));
}

/**
 * One tile of convFilterGrad over one image: filter rows k0..k3 (dW rows at p0..p3, x at byte
 * offsets 0, q1..q3 from row k0) x two channel groups at byte offsets c0, c1 (`two` false: c0
 * only, its dy lanes outside m0 zeroed), accumulated in registers over output rows [yLo, yHi)
 * (x row y*sh + fy - pt) and columns [lo, hi) (some filter row inside the image; all of them in
 * [fastLo, fastHi)).
 */
@inline
function filterGradTile(
  two: bool, xImage: usize, dyImage: usize, yLo: i32, yHi: i32, rowOff: i32, sh: i32,
  p0: usize, p1: usize, p2: usize, p3: usize, q1: usize, q2: usize, q3: usize,
  k0: i32, k1: i32, k2: i32, k3: i32, lo: i32, hi: i32, fastLo: i32, fastHi: i32,
  c0: usize, c1: usize, m0: v128, c: i32, w: i32, ow: i32, sw: i32, pl: i32, ocBytes: usize,
): void {
  let a00 = v128.load(p0 + c0);
  let a10 = v128.load(p1 + c0);
  let a20 = v128.load(p2 + c0);
  let a30 = v128.load(p3 + c0);
  let a01 = f32x4.splat(0);
  let a11 = f32x4.splat(0);
  let a21 = f32x4.splat(0);
  let a31 = f32x4.splat(0);
  if (two) {
    a01 = v128.load(p0 + c1);
    a11 = v128.load(p1 + c1);
    a21 = v128.load(p2 + c1);
    a31 = v128.load(p3 + c1);
  }
  const xStep = <usize>(sw * c) << 2;
  const xRowBytes = <usize>(w * c) << 2;
  for (let y = yLo; y < yHi; y++) {
    const xRow = xImage + <usize>(y * sh + rowOff) * xRowBytes;
    let xp = xRow + (<usize>((lo * sw - pl) * c + k0) << 2);
    let d = dyImage + <usize>(y * ow + lo) * ocBytes;
    for (let xo = lo; xo < hi; xo++) {
      let s0: v128;
      let s1: v128;
      let s2: v128;
      let s3: v128;
      if (xo >= fastLo && xo < fastHi) {
        s0 = v128.load32_splat(xp);
        s1 = v128.load32_splat(xp + q1);
        s2 = v128.load32_splat(xp + q2);
        s3 = v128.load32_splat(xp + q3);
      } else {
        s0 = f32x4.splat(patchValue(xRow, k0, xo, c, w, sw, pl));
        s1 = f32x4.splat(patchValue(xRow, k1, xo, c, w, sw, pl));
        s2 = f32x4.splat(patchValue(xRow, k2, xo, c, w, sw, pl));
        s3 = f32x4.splat(patchValue(xRow, k3, xo, c, w, sw, pl));
      }
      const d0 = two ? v128.load(d + c0) : v128.and(v128.load(d + c0), m0);
      a00 = f32x4.add(a00, f32x4.mul(s0, d0));
      a10 = f32x4.add(a10, f32x4.mul(s1, d0));
      a20 = f32x4.add(a20, f32x4.mul(s2, d0));
      a30 = f32x4.add(a30, f32x4.mul(s3, d0));
      if (two) {
        const d1 = v128.load(d + c1);
        a01 = f32x4.add(a01, f32x4.mul(s0, d1));
        a11 = f32x4.add(a11, f32x4.mul(s1, d1));
        a21 = f32x4.add(a21, f32x4.mul(s2, d1));
        a31 = f32x4.add(a31, f32x4.mul(s3, d1));
      }
      xp += xStep;
      d += ocBytes;
    }
  }
  // Repeated rows computed the same values: any store order is right.
  v128.store(p3 + c0, a30);
  v128.store(p2 + c0, a20);
  v128.store(p1 + c0, a10);
  v128.store(p0 + c0, a00);
  if (two) {
    v128.store(p3 + c1, a31);
    v128.store(p2 + c1, a21);
    v128.store(p1 + c1, a11);
    v128.store(p0 + c1, a01);
  }
}

/**
 * Conv filter gradient without im2col, for oc >= 4 output channels (dilation 1, as tfjs' conv
 * gradients are; the dilation arguments keep the other conv kernels' argument order): dW[fy, fx, ci, o] = Σ over batch and output positions (y, xo) of
 * x[b, y*sh + fy - pt, xo*sw + fx - pl, ci] * dy[b, y, xo, o]. For one fy, a position's filter
 * rows k = fx*c + ci are fw*c consecutive floats of x. A tile of 4 filter rows x 8 output
 * channels accumulates in registers over one image (x values broadcast from memory, dy rows
 * loaded as vectors); the image's x and dy stay in L1/L2.
 * Partial tiles: a last tile of fewer than 4 filter rows repeats its last row (the repeats compute
 * and store the same values); when oc is not a multiple of 4 the last channel group starts at
 * oc - 4, with the lanes it shares with the group before zeroed in dy (they add nothing).
 */
export function convFilterGrad(
  x: usize, dy: usize, dwOut: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, _dilH: i32, _dilW: i32, pt: i32, pl: i32, oc: i32,
): void {
  const K = fw * c;
  memory.fill(dwOut, 0, <usize>(fh * K * oc) << 2);
  const kTiles = (K + 3) >> 2;
  const full = oc >> 2;
  const oTail = oc & 3;
  const all = i32x4.splat(-1);
  const tailMask = i32x4.gt_s(i32x4(0, 1, 2, 3), i32x4.splat(3 - oTail));
  const ocBytes = <usize>(oc << 2);
  for (let b = 0; b < n; b++) {
    const xImage = x + (<usize>(b * h * w * c) << 2);
    const dyImage = dy + (<usize>(b * oh * ow * oc) << 2);
    for (let fy = 0; fy < fh; fy++) {
      // Output rows whose x row y*sh + fy - pt is inside the image.
      const rowOff = fy - pt;
      const yLo = firstAtLeast(-rowOff, sh);
      const yHi = countAtMost(h - 1 - rowOff, sh, oh);
      if (yLo >= yHi) continue;
      const dwRows = dwOut + (<usize>(fy * K * oc) << 2);
      for (let kt = 0; kt < kTiles; kt++) {
        const k0 = kt << 2;
        const last = (K - k0 < 4 ? K - k0 : 4) - 1;
        const k1 = k0 + (last < 1 ? last : 1);
        const k2 = k0 + (last < 2 ? last : 2);
        const k3 = k0 + last;
        // Columns where some row of the tile is inside the image, and where all are.
        const lo = firstAtLeast(pl - k3 / c, sw);
        const hi = countAtMost(w - 1 + pl - k0 / c, sw, ow);
        let fastLo = firstAtLeast(pl - k0 / c, sw);
        let fastHi = countAtMost(w - 1 + pl - k3 / c, sw, ow);
        if (fastLo < lo) fastLo = lo;
        if (fastHi > hi) fastHi = hi;
        const p0 = dwRows + (<usize>(k0 * oc) << 2);
        const p1 = dwRows + (<usize>(k1 * oc) << 2);
        const p2 = dwRows + (<usize>(k2 * oc) << 2);
        const p3 = dwRows + (<usize>(k3 * oc) << 2);
        const q1 = <usize>((k1 - k0) << 2);
        const q2 = <usize>((k2 - k0) << 2);
        const q3 = <usize>((k3 - k0) << 2);
        let g = 0;
        for (; g + 2 <= full; g += 2) {
          filterGradTile(true, xImage, dyImage, yLo, yHi, rowOff, sh, p0, p1, p2, p3, q1, q2, q3,
            k0, k1, k2, k3, lo, hi, fastLo, fastHi, <usize>(g << 4), <usize>((g + 1) << 4), all,
            c, w, ow, sw, pl, ocBytes);
        }
        if (g < full) {
          filterGradTile(false, xImage, dyImage, yLo, yHi, rowOff, sh, p0, p1, p2, p3, q1, q2, q3,
            k0, k1, k2, k3, lo, hi, fastLo, fastHi, <usize>(g << 4), 0, all,
            c, w, ow, sw, pl, ocBytes);
        }
        if (oTail != 0) {
          filterGradTile(false, xImage, dyImage, yLo, yHi, rowOff, sh, p0, p1, p2, p3, q1, q2, q3,
            k0, k1, k2, k3, lo, hi, fastLo, fastHi, <usize>((oc - 4) << 2), 0, tailMask,
            c, w, ow, sw, pl, ocBytes);
        }
      }
    }
  }
}

/**
 * Per-channel sums of a rows x c tensor in f64, written as c f64 values at `out` (8c bytes):
 * the local part of batch statistics summed across data-parallel replicas.
 */
export function channelSum64(x: usize, out: usize, rows: i32, c: i32): void {
  for (let j = 0; j < c; j++) store<f64>(out + (<usize>j << 3), 0);
  let p = x;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      const o = out + (<usize>j << 3);
      store<f64>(o, load<f64>(o) + <f64>load<f32>(p));
      p += 4;
    }
  }
}

/**
 * dst (rows x c) = src[j] / divisor in every row: the gradient of a per-channel mean, dy / N
 * spread over the N positions (the same f32 division as tfjs' formula, so the same bits).
 */
export function channelBroadcast(src: usize, dst: usize, rows: i32, c: i32, divisor: f32): void {
  if (rows <= 0) return;
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(src + o) / divisor);
  }
  // Copy the first row, then the first 2, 4, ... rows.
  const row = <usize>(c << 2);
  let done: usize = 1;
  while (done < <usize>rows) {
    const take = done < <usize>rows - done ? done : <usize>rows - done;
    memory.copy(dst + done * row, dst, take * row);
    done += take;
  }
}

/**
 * Batch norm with per-channel statistics, rows x c: out = (x - mean) * inv + shift with
 * inv = scale / sqrt(variance + eps) and shift = offset, computed once per channel into `work`
 * (2c floats; offset/scale 0: absent, i.e. 0 and 1). tfjs' wasm kernel divides and takes a
 * square root for every element.
 */
export function batchNorm(
  x: usize, mean: usize, variance: usize, offset: usize, scale: usize, out: usize, work: usize,
  rows: i32, c: i32, eps: f32,
): void {
  const inv = work;
  const shift = work + (<usize>c << 2);
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    const s: f32 = scale != 0 ? load<f32>(scale + o) : 1;
    store<f32>(inv + o, s / Mathf.sqrt(load<f32>(variance + o) + eps));
    store<f32>(shift + o, offset != 0 ? load<f32>(offset + o) : 0);
  }
  let src = x;
  let dst = out;
  const row = <usize>(c << 2);
  for (let r = 0; r < rows; r++) {
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      const v = f32x4.sub(v128.load(src + o), v128.load(mean + o));
      v128.store(dst + o, f32x4.add(f32x4.mul(v, v128.load(inv + o)), v128.load(shift + o)));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, (load<f32>(src + o) - load<f32>(mean + o)) * load<f32>(inv + o) + load<f32>(shift + o));
    }
    src += row;
    dst += row;
  }
}

/**
 * out[j] = Σ_r dy[r, j] * (x[r, j] - mean[j]) for rows x c tensors, each product rounded to f32
 * and accumulated in f64 (in `work`, 8c bytes) in row order: the same bits as a Sub, a Multiply
 * and channelSum, in one pass and without the two full-size temporaries (batch norm's gradient).
 */
export function channelDotCentered(
  dy: usize, x: usize, mean: usize, out: usize, rows: i32, c: i32, work: usize,
): void {
  memory.fill(work, 0, <usize>c << 3);
  let p = x;
  let g = dy;
  const row = <usize>(c << 2);
  for (let r = 0; r < rows; r++) {
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      const v = f32x4.mul(v128.load(g + o), f32x4.sub(v128.load(p + o), v128.load(mean + o)));
      const w = work + (<usize>j << 3);
      v128.store(w, f64x2.add(v128.load(w), f64x2.promote_low_f32x4(v)));
      const hi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
      v128.store(w + 16, f64x2.add(v128.load(w + 16), f64x2.promote_low_f32x4(hi)));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      const w = work + (<usize>j << 3);
      const v: f32 = load<f32>(g + o) * (load<f32>(p + o) - load<f32>(mean + o));
      store<f64>(w, load<f64>(w) + <f64>v);
    }
    p += row;
    g += row;
  }
  for (let j = 0; j < c; j++) {
    store<f32>(out + (<usize>j << 2), <f32>load<f64>(work + (<usize>j << 3)));
  }
}

/**
 * Conv input gradient gathered per input pixel (any stride, dilation 1): dx[b, iy, ix, ci] =
 * Σ over the taps (fy, fx) whose output (y, xo) = ((iy + pt - fy) / sh, (ix + pl - fx) / sw) is
 * whole and inside, of Σ_o dy[b, y, xo, o] * filter[fy, fx, ci, o]: a dot product over the output
 * channels, contiguous in both. Each dx value is written once. For strided convs, where the
 * stride-1 trick (a forward conv with the flipped filter) does not apply.
 */
export function convInputGrad(
  dy: usize, filter: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, _dilH: i32, _dilW: i32, pt: i32, pl: i32, oc: i32,
): void {
  const ocBytes = <usize>(oc << 2);
  const v4 = oc & ~3;
  let out = dx;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        for (let ci = 0; ci < c; ci++) {
          let acc = f32x4.splat(0);
          let tail: f32 = 0;
          for (let fy = 0; fy < fh; fy++) {
            const ty = iy + pt - fy;
            if (ty < 0 || ty % sh != 0) continue;
            const y = ty / sh;
            if (y >= oh) continue;
            for (let fx = 0; fx < fw; fx++) {
              const tx = ix + pl - fx;
              if (tx < 0 || tx % sw != 0) continue;
              const xo = tx / sw;
              if (xo >= ow) continue;
              const d = dy + <usize>((b * oh + y) * ow + xo) * ocBytes;
              const f = filter + <usize>((fy * fw + fx) * c + ci) * ocBytes;
              let o = 0;
              for (; o < v4; o += 4) {
                const q = <usize>(o << 2);
                acc = f32x4.add(acc, f32x4.mul(v128.load(d + q), v128.load(f + q)));
              }
              for (; o < oc; o++) {
                const q = <usize>(o << 2);
                tail += load<f32>(d + q) * load<f32>(f + q);
              }
            }
          }
          const s =
            f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
            f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
          store<f32>(out, s + tail);
          out += 4;
        }
      }
    }
  }
}

/**
 * Forward conv of a one-channel input (the first layer of res8, DS-CNN, TinyConv), dilation 1,
 * no bias: out[b, y, xo, o] = Σ_{fy, fx} x[b, y*sh + fy - pt, xo*sw + fx - pl] * f[fy, fx, 0, o].
 * Per output position, 16 output channels accumulate in registers over the taps (the input value
 * broadcast, filter rows loaded as vectors); the last group of 4 may overlap the one before (it
 * writes the same values). XNNPACK runs these at a fraction of its speed on many channels.
 */
@inline
function conv1Tile(
  four: bool, x: usize, f: usize, out: usize, o0: usize, xImage: usize, y: i32, xo: i32,
  fyLo: i32, fyHi: i32, fxLo: i32, fxHi: i32, w: i32, fw: i32, sh: i32, sw: i32, pt: i32,
  pl: i32, ocBytes: usize,
): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  for (let fy = fyLo; fy < fyHi; fy++) {
    const xRow = xImage + (<usize>((y * sh + fy - pt) * w) << 2);
    for (let fx = fxLo; fx < fxHi; fx++) {
      const s = v128.load32_splat(xRow + (<usize>(xo * sw + fx - pl) << 2));
      const fp = f + <usize>(fy * fw + fx) * ocBytes + o0;
      a0 = f32x4.add(a0, f32x4.mul(s, v128.load(fp)));
      if (four) {
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(fp + 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(fp + 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(fp + 48)));
      }
    }
  }
  v128.store(out + o0, a0);
  if (four) {
    v128.store(out + o0 + 16, a1);
    v128.store(out + o0 + 32, a2);
    v128.store(out + o0 + 48, a3);
  }
}

export function convForward1(
  x: usize, f: usize, out: usize, n: i32, h: i32, w: i32, _c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, _dilH: i32, _dilW: i32, pt: i32, pl: i32, oc: i32,
): void {
  const ocBytes = <usize>(oc << 2);
  const sixteens = oc >> 4;
  const fours = (oc & 15) >> 2;
  const tail = (oc & 3) != 0;
  let o = out;
  for (let b = 0; b < n; b++) {
    const xImage = x + (<usize>(b * h * w) << 2);
    for (let y = 0; y < oh; y++) {
      // Taps inside the image: fy in [fyLo, fyHi), fx in [fxLo, fxHi).
      const top = y * sh - pt;
      const fyLo = top < 0 ? -top : 0;
      const fyHi = h - top < fh ? h - top : fh;
      for (let xo = 0; xo < ow; xo++) {
        const left = xo * sw - pl;
        const fxLo = left < 0 ? -left : 0;
        const fxHi = w - left < fw ? w - left : fw;
        let o0: usize = 0;
        for (let g = 0; g < sixteens; g++, o0 += 64) {
          conv1Tile(true, x, f, o, o0, xImage, y, xo, fyLo, fyHi, fxLo, fxHi, w, fw, sh, sw, pt, pl, ocBytes);
        }
        for (let g = 0; g < fours; g++, o0 += 16) {
          conv1Tile(false, x, f, o, o0, xImage, y, xo, fyLo, fyHi, fxLo, fxHi, w, fw, sh, sw, pt, pl, ocBytes);
        }
        if (tail) {
          conv1Tile(false, x, f, o, <usize>((oc - 4) << 2), xImage, y, xo, fyLo, fyHi, fxLo, fxHi, w, fw, sh, sw, pt, pl, ocBytes);
        }
        o += ocBytes;
      }
    }
  }
}
