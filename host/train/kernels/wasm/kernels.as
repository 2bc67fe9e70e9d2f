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
 * The adjoint of im2col: dx[b, iy, ix, ci] += col[m][k] for every (m, k) whose window position
 * is inside the image. col is [n*oh*ow, fh*fw*c] (row m holds one output position's patch).
 */
export function col2im(
  col: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let src = col;
  const patch = <usize>(c << 2);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let fy = 0; fy < fh; fy++) {
          const iy = y * sh + fy * dh - pt;
          for (let fx = 0; fx < fw; fx++) {
            const ix = x * sw + fx * dw - pl;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              addScaledRow(dx + (<usize>(((b * h + iy) * w + ix) * c) << 2), src, 1, c);
            }
            src += patch;
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
 * accumulated in f64. (tfjs' wasm Sum transposes the whole tensor first for these axes.)
 */
export function channelSum(x: usize, out: usize, rows: i32, c: i32, scale: f64): void {
  for (let j = 0; j < c; j++) {
    let acc: f64 = 0;
    let p = x + (<usize>j << 2);
    const stride = <usize>(c << 2);
    for (let r = 0; r < rows; r++) {
      acc += <f64>load<f32>(p);
      p += stride;
    }
    store<f32>(out + (<usize>j << 2), <f32>(acc * scale));
  }
}
