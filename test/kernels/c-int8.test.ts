import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { referenceKernels } from "../../shared/kernels/reference";
import type { ConvGeometry, RequantParams } from "../../shared/kernels/types";
import { compileHarness, haveGcc } from "../c-harness";

/**
 * The int8 depthwise kernel (es_depthwise_conv2d_s8: the JerryScript host runs it on one-byte
 * activations in place) against the TS reference, bit for bit, on seeded random cases: its 1 x 1
 * per-channel path (an exported batch norm), its int32-lane path (depth multiplier 1: DS-CNN's
 * layers, over more channels than one 64-channel block, padded along width only as a streaming
 * model's VALID-along-time layer is) and the general windowed one.
 */
interface Case {
  g: ConvGeometry;
  q: RequantParams;
  x: number[];
  w: number[];
  bias: number[];
  mult: number[];
  shift: number[];
}

type Shape = "1x1" | "lanes" | "windowed";

function randomCase(rng: Rng, shape: Shape): Case {
  const oneByOne = shape === "1x1";
  const inC = 1 + rng.int(shape === "lanes" ? 130 : 24);
  const dm = shape === "windowed" ? 1 + rng.int(2) : 1;
  const k = oneByOne ? 1 : shape === "lanes" ? 3 : 1 + 2 * rng.int(2);
  const stride = shape === "windowed" ? 1 + rng.int(2) : 1;
  const inH = (shape === "lanes" ? 3 : 1) + rng.int(9);
  const inW = 1 + rng.int(9);
  const pad = oneByOne ? 0 : rng.int(k);
  const padTop = shape === "lanes" ? 0 : pad;
  const outH = Math.floor((inH + 2 * padTop - k) / stride) + 1;
  const outW = Math.floor((inW + 2 * pad - k) / stride) + 1;
  const outC = inC * dm;
  const g: ConvGeometry = {
    inH,
    inW,
    inC,
    outH: Math.max(outH, 1),
    outW: Math.max(outW, 1),
    outC,
    kH: k,
    kW: k,
    strideH: stride,
    strideW: stride,
    padTop,
    padLeft: pad,
  };
  const int8 = () => rng.int(256) - 128;
  const fill = (n: number, f: () => number) => Array.from({ length: n }, f);
  return {
    g,
    q: { inZp: int8(), outZp: int8(), actMin: -128 + rng.int(20), actMax: 127 - rng.int(20) },
    x: fill(inH * inW * inC, int8),
    w: fill(k * k * outC, int8),
    bias: fill(outC, () => rng.int(400001) - 200000),
    mult: fill(outC, () => 1073741824 + rng.int(1073741823)),
    shift: fill(outC, () => 18 + rng.int(22)),
  };
}

function caseText(c: Case): string {
  const { g, q } = c;
  const head = [
    g.inH,
    g.inW,
    g.inC,
    g.outC,
    g.kH,
    g.kW,
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
    q.inZp,
    q.outZp,
    q.actMin,
    q.actMax,
  ];
  return [head, c.x, c.w, c.bias, c.mult, c.shift].map((a) => a.join(" ")).join("\n");
}

describe.skipIf(!haveGcc)("the C int8 depthwise kernel", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-c-int8-"));
  const exe = path.join(dir, "int8");
  beforeAll(() =>
    compileHarness(path.join(import.meta.dirname, "c-int8/main.c"), ["kernels.c"], exe),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["1 x 1, one channel per channel", "1x1", 11],
    ["3 x 3, depth multiplier 1, up to 130 channels, padded along width only", "lanes", 13],
    ["windowed, padded, strided, depth multiplier 1 or 2", "windowed", 12],
  ] as const)("equals the TS reference bit for bit: %s", (_what, shape, seed) => {
    const rng = new Rng(seed);
    const cases = Array.from({ length: 60 }, () => randomCase(rng, shape));
    const r = spawnSync(exe, [], {
      input: `${cases.map(caseText).join("\n")}\n`,
      encoding: "utf8",
      maxBuffer: 16 << 20,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(cases.length);
    cases.forEach((c, i) => {
      const want = new Array<number>(c.g.outH * c.g.outW * c.g.outC).fill(0);
      referenceKernels.depthwiseConv2d(c.x, c.w, c.bias, c.mult, c.shift, c.g, c.q, want);
      expect(lines[i].split(" ").map(Number), `case ${i}`).toEqual(want);
    });
  });
});
