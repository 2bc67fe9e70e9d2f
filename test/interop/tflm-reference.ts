/**
 * An independent TFLite Micro reference for tests: the int8 reference kernels' arithmetic
 * (ConvPerChannel, DepthwiseConvPerChannel, FullyConnected, pooling) written straight from
 * TFLite's definitions on the parsed .tflite tensors, with gemmlowp's MultiplyByQuantizedMultiplier
 * in BigInt. Shares nothing with the importer but the flatbuffer reader.
 */
import type { TfliteModel, TfliteTensor } from "../../host/interop/tflite/schema";

function quantizeMultiplier(real: number): [number, number] {
  if (real === 0) return [0, 0];
  let e = Math.ceil(Math.log2(real));
  let frac = real / 2 ** e;
  while (frac >= 1) {
    frac /= 2;
    e++;
  }
  while (frac < 0.5) {
    frac *= 2;
    e--;
  }
  let q = Math.round(frac * 2 ** 31);
  if (q === 2 ** 31) {
    q /= 2;
    e++;
  }
  if (e < -31) return [0, 0];
  return [q, e];
}

function mbqm(acc: number, q: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const ab = BigInt(acc) * 2n ** BigInt(left) * BigInt(q);
  const nudge = ab >= 0n ? 2n ** 30n : 1n - 2n ** 30n;
  const x = (ab + nudge) / 2n ** 31n;
  const mask = 2n ** BigInt(right) - 1n;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return Number((x >> BigInt(right)) + ((x & mask) > threshold ? 1n : 0n));
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

function actRange(act: number, scale: number, zp: number): [number, number] {
  const q = (f: number) => zp + Math.round(Math.fround(f / scale));
  if (act === 1) return [Math.max(-128, q(0)), 127];
  if (act === 3) return [Math.max(-128, q(0)), Math.min(127, q(6))];
  return [-128, 127];
}

function consts(m: TfliteModel, t: TfliteTensor): number[] {
  const b = m.buffers[t.buffer];
  if (t.type === 9)
    return Array.from(new Int8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
  return Array.from(new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
}

/** Runs the model on int8 input values; returns every op's int8 output (by op index). */
export function tflmReferenceRun(m: TfliteModel, input: number[]): number[][] {
  const vals = new Map<number, number[]>([[m.inputs[0], input]]);
  const outs: number[][] = [];
  const sc = (t: TfliteTensor) => t.quant?.scale ?? [1];
  const zp = (t: TfliteTensor) => t.quant?.zeroPoint[0] ?? 0;
  for (const op of m.operators) {
    const x = m.tensors[op.inputs[0]];
    const y = m.tensors[op.outputs[0]];
    const xv = vals.get(x.index) as number[];
    let out: number[];
    if (op.name === "RESHAPE") out = xv.slice();
    else if (op.name === "CONV_2D" || op.name === "DEPTHWISE_CONV_2D") {
      const dw = op.name === "DEPTHWISE_CONV_2D";
      const o = op.options;
      const w = m.tensors[op.inputs[1]];
      const wv = consts(m, w);
      const bv = consts(m, m.tensors[op.inputs[2]]);
      const [, inH, inW, inC] = x.shape;
      const [, outH, outW, outC] = y.shape;
      const kH = w.shape[1];
      const kW = w.shape[2];
      const sW = o?.i32(1, 1) ?? 1;
      const sH = o?.i32(2, 1) ?? 1;
      const same = (o?.i8(0, 0) ?? 0) === 0;
      const padH = same ? Math.max(0, Math.floor(((outH - 1) * sH + kH - inH) / 2)) : 0;
      const padW = same ? Math.max(0, Math.floor(((outW - 1) * sW + kW - inW) / 2)) : 0;
      const [lo, hi] = actRange(o?.i8(dw ? 4 : 3, 0) ?? 0, sc(y)[0], zp(y));
      const ws = sc(w);
      out = [];
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let oc = 0; oc < outC; oc++) {
            let acc = 0;
            for (let ky = 0; ky < kH; ky++)
              for (let kx = 0; kx < kW; kx++) {
                const iy = oy * sH - padH + ky;
                const ix = ox * sW - padW + kx;
                if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                if (dw) {
                  const ic = Math.floor(oc / (outC / inC));
                  acc += (xv[(iy * inW + ix) * inC + ic] - zp(x)) * wv[(ky * kW + kx) * outC + oc];
                } else {
                  for (let ic = 0; ic < inC; ic++)
                    acc +=
                      (xv[(iy * inW + ix) * inC + ic] - zp(x)) *
                      wv[((oc * kH + ky) * kW + kx) * inC + ic];
                }
              }
            acc += bv[oc];
            const [q, s] = quantizeMultiplier((sc(x)[0] * ws[ws.length === 1 ? 0 : oc]) / sc(y)[0]);
            out.push(clamp(mbqm(acc, q, s) + zp(y), lo, hi));
          }
    } else if (op.name === "FULLY_CONNECTED") {
      const w = m.tensors[op.inputs[1]];
      const wv = consts(m, w);
      const bv = op.inputs[2] >= 0 ? consts(m, m.tensors[op.inputs[2]]) : [];
      const [outN, inN] = w.shape;
      const [lo, hi] = actRange(op.options?.i8(0, 0) ?? 0, sc(y)[0], zp(y));
      const [q, s] = quantizeMultiplier((sc(x)[0] * sc(w)[0]) / sc(y)[0]);
      out = [];
      for (let n = 0; n < outN; n++) {
        let acc = bv[n] ?? 0;
        for (let i = 0; i < inN; i++) acc += (xv[i] - zp(x)) * wv[n * inN + i];
        out.push(clamp(mbqm(acc, q, s) + zp(y), lo, hi));
      }
    } else if (op.name === "MAX_POOL_2D" || op.name === "AVERAGE_POOL_2D") {
      const o = op.options;
      const [, inH, inW, ch] = x.shape;
      const [, outH, outW] = y.shape;
      const sW = o?.i32(1, 1) ?? 1;
      const sH = o?.i32(2, 1) ?? 1;
      const fW = o?.i32(3, 1) ?? 1;
      const fH = o?.i32(4, 1) ?? 1;
      const same = (o?.i8(0, 0) ?? 0) === 0;
      const padH = same ? Math.max(0, Math.floor(((outH - 1) * sH + fH - inH) / 2)) : 0;
      const padW = same ? Math.max(0, Math.floor(((outW - 1) * sW + fW - inW) / 2)) : 0;
      const [lo, hi] = actRange(o?.i8(5, 0) ?? 0, sc(y)[0], zp(y));
      out = [];
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let c = 0; c < ch; c++) {
            let best = -128;
            let sum = 0;
            let count = 0;
            for (let ky = 0; ky < fH; ky++)
              for (let kx = 0; kx < fW; kx++) {
                const iy = oy * sH - padH + ky;
                const ix = ox * sW - padW + kx;
                if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                const v = xv[(iy * inW + ix) * ch + c];
                best = Math.max(best, v);
                sum += v;
                count++;
              }
            // C++ division truncates: (sum +- count/2) / count rounds half away from zero.
            const avg = Math.trunc(
              (sum > 0 ? sum + Math.trunc(count / 2) : sum - Math.trunc(count / 2)) / count,
            );
            out.push(clamp(op.name === "MAX_POOL_2D" ? best : avg, lo, hi));
          }
    } else {
      break; // SOFTMAX and the rest: not compared
    }
    vals.set(y.index, out);
    outs.push(out);
  }
  return outs;
}
