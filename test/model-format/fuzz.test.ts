/**
 * Decoder fuzz: >= 100k random, truncated and mutated inputs; the only acceptable failure is a
 * ModelFormatError (and a mutated file that still decodes must re-encode to itself).
 * Body mutations go through decodeModelUnverified (the digest would reject nearly all of them
 * before the parser runs); a share of every kind also goes through the full decodeModel.
 */
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../host/compress/graph-builder";
import { decomposeMultiplier, softmaxLut } from "../../host/compress/quant-params";
import { Rng } from "../../host/data/rng";
import { decodeModel, decodeModelUnverified } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import { PAD_SAME } from "../../shared/model-format/types";

/** A tiny model touching most op kinds and dtypes, so mutations reach every validator. */
function tinyModel(): number[] {
  const g = new GraphBuilder();
  const x = g.input([2, 2, 1]);
  const q = g.quantize(x, 0.1, 0);
  const m = decomposeMultiplier(0.01);
  const rq = {
    bias: [5],
    mult: [m.mult],
    shift: [m.shift],
    outScale: 0.1,
    outZp: 0,
    actMin: -128,
    actMax: 127,
  };
  const c = g.conv2d(q, { weights: [1, -2, 3, -4], wShape: [1, 2, 2, 1], wBits: 4, ...rq });
  const p = g.pool(c, true, 2, 1, PAD_SAME);
  const b = g.binarize(p, [0], [-1]);
  const bc = g.binaryConv2d(b, [1, -1], [1, 1, 2, 1], { requant: rq });
  const gap = g.globalAvgPool(bc);
  const s = g.softmax(gap, softmaxLut(0.1, 1, 2));
  const model = g.build(
    { modelId: "t", modelVersion: 3, labels: ["a"], frontEnd: [{ key: "k", value: 1.5 }] },
    s,
  );
  for (const t of model.tensors) {
    t.name = "";
    if (t.data !== null) t.scales = [];
  }
  return encodeModel(model);
}

function attempt(decode: (b: number[]) => unknown, bytes: number[]): "ok" | "rejected" {
  try {
    const m = decode(bytes);
    expect(m).toBeTypeOf("object");
    return "ok";
  } catch (e) {
    if (!(e instanceof ModelFormatError)) {
      throw new Error(
        `non-ModelFormatError on input ${JSON.stringify(bytes)}: ${(e as Error).stack}`,
      );
    }
    return "rejected";
  }
}

describe("model decoder fuzz", () => {
  it("survives 102k hostile inputs with only ModelFormatError", () => {
    const good = tinyModel();
    expect(decodeModel(good)).toBeTypeOf("object");
    const rng = new Rng(77);
    const counts = { ok: 0, rejected: 0 };
    const tally = (r: "ok" | "rejected") => counts[r]++;
    const N = 102_000;
    for (let i = 0; i < N; i++) {
      const kind = i % 6;
      let bytes: number[];
      if (kind === 0) {
        bytes = Array.from({ length: rng.int(300) }, () => rng.int(256));
        if (rng.next() < 0.7) bytes.splice(0, 8, 0x45, 0x53, 0x48, 0x54, 1, 0, 0, 0);
      } else if (kind === 1) {
        bytes = good.slice(0, rng.int(good.length));
      } else {
        bytes = good.slice();
        const edits = 1 + rng.int(kind === 5 ? 12 : 3);
        for (let e = 0; e < edits; e++) {
          const at = 12 + rng.int(bytes.length - 12);
          const r = rng.next();
          if (r < 0.6) bytes[at] = rng.int(256);
          else if (r < 0.75) bytes[at] = rng.next() < 0.5 ? 0 : 255;
          else if (r < 0.85) bytes.splice(at, 1 + rng.int(4));
          else bytes.splice(at, 0, ...Array.from({ length: 1 + rng.int(4) }, () => rng.int(256)));
        }
        // Keep the declared length consistent so the parser, not the length check, sees it.
        if (rng.next() < 0.8) {
          const total = bytes.length;
          bytes[8] = total & 255;
          bytes[9] = (total >>> 8) & 255;
          bytes[10] = 0;
          bytes[11] = 0;
        }
      }
      tally(attempt(decodeModelUnverified, bytes));
      if (i % 40 === 0) {
        const full = attempt(decodeModel, bytes);
        if (kind >= 2 && full === "ok") expect(bytes).toEqual(good);
      }
    }
    expect(counts.ok + counts.rejected).toBe(N);
    // Some mutations (inside float payloads, scale values) leave a valid model: both paths ran.
    expect(counts.rejected).toBeGreaterThan(N / 2);
    expect(counts.ok).toBeGreaterThan(0);
  }, 180_000); // ~5 s on an idle machine; generous for a loaded CI box
});
