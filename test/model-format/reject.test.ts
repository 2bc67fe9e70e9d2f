import { describe, expect, it } from "vitest";
import { syntheticInt8Model, syntheticStreamModel } from "../../host/compress/synthetic-models";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { DeviceModel } from "../../shared/model-format/types";
import { DT_INT8, OP_CONV2D, PAD_VALID_H_SAME_W } from "../../shared/model-format/types";
import { sha256 } from "../../shared/portable/sha256";

/** Re-stamps length and digest so a body edit reaches the parser and validator. */
function restamp(bytes: number[]): number[] {
  const b = bytes.slice(0, -32);
  const total = b.length + 32;
  b[8] = total & 255;
  b[9] = (total >>> 8) & 255;
  b[10] = (total >>> 16) & 255;
  b[11] = (total >>> 24) & 255;
  return [...b, ...sha256(b)];
}

function rejects(bytes: number[], pattern: RegExp): ModelFormatError {
  try {
    decodeModel(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    expect((e as Error).message).toMatch(pattern);
    expect((e as ModelFormatError).expected).toBe(true);
    return e as ModelFormatError;
  }
  throw new Error(`accepted, expected rejection matching ${pattern}`);
}

const base = syntheticInt8Model();
const good = encodeModel(base);
const edit = (f: (m: DeviceModel) => void): number[] => {
  const m = structuredClone(base);
  f(m);
  return encodeModel(m);
};

describe("decoder rejects malformed files with a named reason and offset", () => {
  it("file-level defects", () => {
    rejects([], /truncated file/);
    rejects(good.slice(0, 40), /truncated file/);
    const e = rejects([0x45, 0x53, 0x48, 0x55, ...good.slice(4)], /bad magic/);
    expect(e.offset).toBe(3);
    rejects([...good.slice(0, 4), 2, 0, ...good.slice(6)], /unknown format version 2/);
    rejects([...good.slice(0, 6), 1, 0, ...good.slice(8)], /unknown header flags/);
    rejects(good.slice(0, -1), /truncated file: header says/);
    rejects([...good, 0], /trailing bytes/);
    const flipped = good.slice();
    flipped[100] ^= 1;
    rejects(flipped, /SHA-256 mismatch/);
  });

  it("structural defects behind a valid digest", () => {
    // Body cut short but re-stamped: the parser runs out of bytes.
    const e = rejects(restamp(good.slice(0, 200).concat(new Array(32).fill(0))), /truncated/);
    expect(e.offset).toBeGreaterThan(11);
    rejects(restamp([...good.slice(0, -32), 7, ...new Array(32).fill(0)]), /unparsed bytes/);
  });

  it("graph and tensor defects", () => {
    const conv = base.ops.findIndex((o) => o.code === OP_CONV2D);
    rejects(
      edit((m) => {
        m.ops[0].code = 99;
      }),
      /unknown op code 99/,
    );
    rejects(
      edit((m) => {
        m.ops[conv].inputs[1] = 4000;
      }),
      /tensor index 4000 out of range/,
    );
    rejects(
      edit((m) => {
        m.ops[conv].attrs[0] = 0;
      }),
      /stride 0 outside/,
    );
    rejects(
      edit((m) => {
        m.ops[conv].attrs[2] = 7;
      }),
      /padding 7/,
    );
    rejects(
      edit((m) => {
        m.tensors[m.ops[conv].outputs[0]].shape[0] += 1;
      }),
      /output .* has shape/,
    );
    rejects(
      edit((m) => {
        m.ops[conv].attrs[5] = 100;
        m.ops[conv].attrs[6] = 50;
      }),
      /activation max 50 outside/,
    );
    rejects(
      edit((m) => {
        (m.tensors[m.ops[conv].inputs[4]].data as number[])[0] = 70;
      }),
      /shift 70 outside/,
    );
    rejects(
      edit((m) => {
        m.ops.reverse();
      }),
      /used before it is computed/,
    );
    rejects(
      edit((m) => {
        m.ops.push(structuredClone(m.ops[0]));
      }),
      /computed twice/,
    );
    rejects(
      edit((m) => {
        m.output = m.tensors.findIndex((t) => t.data !== null);
      }),
      /graph output/,
    );
    rejects(
      edit((m) => {
        m.tensors[m.ops[conv].inputs[1]].dtype = 4;
        m.tensors[m.ops[conv].inputs[1]].bits = 32;
      }),
      /weights .* dtype/,
    );
    rejects(
      edit((m) => {
        m.tensors[m.input].dtype = DT_INT8;
        m.tensors[m.input].bits = 8;
      }),
      /graph input/,
    );
    rejects(
      edit((m) => {
        m.ops[conv].inputs.pop();
      }),
      /expects 5 inputs/,
    );
  });

  it("a data length inconsistent with shape and bit width", () => {
    const m = structuredClone(base);
    const w = m.tensors.findIndex((t) => t.name.endsWith(".w"));
    m.tensors[w].shape = [
      ...m.tensors[w].shape.slice(0, -1),
      m.tensors[w].shape[m.tensors[w].shape.length - 1] + 1,
    ];
    m.tensors[w].data = [
      ...(m.tensors[w].data as number[]),
      ...new Array(m.tensors[w].shape.slice(0, -1).reduce((a, b) => a * b, 1)).fill(0),
    ];
    // Encode with the new shape, then shrink the declared data length by one byte.
    const bytes = encodeModel(m);
    const name = [...Buffer.from(m.tensors[w].name)];
    let p = 0;
    for (let i = 12; i < bytes.length; i++) {
      if (bytes[i] === name.length && name.every((c, k) => bytes[i + 1 + k] === c)) {
        p = i;
        break;
      }
    }
    const rank = bytes[p + 1 + name.length + 2];
    const lenAt = p + 1 + name.length + 3 + 4 * rank + 1 + 2 + 8 * m.tensors[w].scales.length + 4;
    bytes[lenAt] -= 1;
    rejects(restamp(bytes), /data is \d+ bytes, shape and 8-bit width need/);
  });
});

describe("padding 2 (VALID along time, SAME along frequency)", () => {
  const stream = syntheticStreamModel();
  const conv = stream.ops.findIndex((o) => o.code === OP_CONV2D);

  it("round-trips, with the time-valid output shape", () => {
    expect(stream.ops[conv].attrs[2]).toBe(PAD_VALID_H_SAME_W);
    const m = decodeModel(encodeModel(stream));
    const x = m.tensors[m.ops[conv].inputs[0]].shape;
    expect(m.tensors[m.ops[conv].outputs[0]].shape).toEqual([x[0] - 2, x[1], 6]);
  });

  it("refuses an unknown padding mode and a time kernel that does not fit", () => {
    const bad = (f: (m: DeviceModel) => void) => {
      const m = structuredClone(stream);
      f(m);
      return encodeModel(m);
    };
    rejects(
      bad((m) => {
        m.ops[conv].attrs[2] = 3;
      }),
      /padding 3 is not 0 \(valid\), 1 \(same\) or 2/,
    );
    // SAME where the file says time-valid: the declared output rows no longer match.
    rejects(
      bad((m) => {
        m.ops[conv].attrs[2] = 1;
      }),
      /output .* has shape/,
    );
  });
});
