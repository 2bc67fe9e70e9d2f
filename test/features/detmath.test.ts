import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import {
  cos,
  cospi,
  exp,
  fround,
  log,
  PI,
  pow2,
  sin,
  sinpi,
  sqrt,
} from "../../shared/portable/detmath";

/** Worst |f(x) - g(x)| / max(|g(x)|, floor) over the points. */
function worst(
  f: (x: number) => number,
  g: (x: number) => number,
  xs: number[],
  floor = 0,
): number {
  let w = 0;
  for (const x of xs) {
    const ref = g(x);
    const e = Math.abs(f(x) - ref) / Math.max(Math.abs(ref), floor, Number.MIN_VALUE);
    if (e > w) w = e;
  }
  return w;
}

function points(n: number, draw: (r: Rng) => number): number[] {
  const r = new Rng(42);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(draw(r));
  return xs;
}

describe("detmath", () => {
  it("fround rounds to float32 as Math.fround does (ties to even), built without it", () => {
    const rng = new Rng(12);
    const xs = [1, -1, 0.1, 1 / 3, 16777217, 16777219, -16777217, 1 + 2 ** -24, 1 + 3 * 2 ** -24];
    for (let i = 0; i < 20000; i++) xs.push((rng.next() - 0.5) * 2 ** (rng.int(200) - 100));
    for (const x of xs) expect(fround(x), String(x)).toBe(Math.fround(x));
    expect(fround(0)).toBe(0);
  });

  it("sqrt is correctly rounded (V8's Math.sqrt is), built without Math.sqrt", () => {
    const xs = points(20000, (r) => pow2(Math.floor(r.next() * 400) - 200) * (1 + r.next()));
    for (let m = 1; m <= 2048; m++) xs.push(1 / m, 2 / m, m);
    for (const x of xs)
      if (sqrt(x) !== Math.sqrt(x)) expect([x, sqrt(x)]).toEqual([x, Math.sqrt(x)]);
    expect([sqrt(0), sqrt(-1), sqrt(Infinity)]).toEqual([0, NaN, Infinity]);
  });

  it("pow2 and PI are exact", () => {
    expect(pow2(10)).toBe(1024);
    expect(pow2(-3)).toBe(0.125);
    expect(pow2(-1074)).toBe(Number.MIN_VALUE);
    expect(PI).toBe(Math.PI);
  });

  it("cos and sin agree with Math within 1e-15 relative (absolute near zeros)", () => {
    const small = points(20000, (r) => r.uniform(-10, 10));
    const large = points(20000, (r) => r.uniform(-1e5, 1e5));
    for (const xs of [small, large]) {
      expect(worst(cos, Math.cos, xs, 0.01)).toBeLessThan(1e-15);
      expect(worst(sin, Math.sin, xs, 0.01)).toBeLessThan(1e-15);
    }
    expect(cos(0)).toBe(1);
    expect(sin(0)).toBe(0);
    expect(Math.abs(cos(Math.PI / 2))).toBeLessThan(1e-16);
    expect(cos(Number.NaN)).toBeNaN();
    expect(sin(Number.POSITIVE_INFINITY)).toBeNaN();
  });

  it("cospi and sinpi are exact at multiples of 1/2 and accurate between", () => {
    expect(cospi(0)).toBe(1);
    expect(cospi(1)).toBe(-1);
    expect(cospi(0.5)).toBe(0);
    expect(cospi(-1.5)).toBe(0);
    expect(sinpi(1)).toBe(0);
    expect(sinpi(0.5)).toBe(1);
    expect(sinpi(-0.5)).toBe(-1);
    expect(cospi(1 / 3)).toBeCloseTo(0.5, 15);
    // Math.cos(Math.PI * x) rounds pi * x, so reduce x exactly to [-1, 1] first and compare
    // in absolute terms.
    const reduce = (x: number) => x - 2 * Math.round(x / 2);
    const xs = points(20000, (r) => r.uniform(-4, 4));
    expect(worst(cospi, (x) => Math.cos(Math.PI * reduce(x)), xs, 1)).toBeLessThan(1e-15);
    expect(worst(sinpi, (x) => Math.sin(Math.PI * reduce(x)), xs, 1)).toBeLessThan(1e-15);
  });

  it("log agrees with Math.log within 1e-15 relative over the whole double range", () => {
    const wide = points(20000, (r) => Math.exp(r.uniform(-740, 709)));
    const nearOne = points(20000, (r) => 1 + r.uniform(-0.01, 0.01));
    expect(worst(log, Math.log, wide)).toBeLessThan(1e-15);
    expect(worst(log, Math.log, nearOne)).toBeLessThan(1e-15);
    expect(log(1)).toBe(0);
    expect(log(Math.E)).toBeCloseTo(1, 15);
    expect(log(Number.MIN_VALUE)).toBeCloseTo(Math.log(Number.MIN_VALUE), 12);
    expect(log(Number.MAX_VALUE)).toBeCloseTo(Math.log(Number.MAX_VALUE), 12);
    expect(log(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(log(-1)).toBeNaN();
    expect(log(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it("exp agrees with Math.exp within 1e-15 relative in the normal range", () => {
    const xs = points(20000, (r) => r.uniform(-700, 700));
    const small = points(20000, (r) => r.uniform(-1, 1));
    expect(worst(exp, Math.exp, xs)).toBeLessThan(1e-15);
    expect(worst(exp, Math.exp, small)).toBeLessThan(1e-15);
    expect(exp(0)).toBe(1);
    expect(exp(800)).toBe(Number.POSITIVE_INFINITY);
    expect(exp(-800)).toBe(0);
  });
});
