import { describe, expect, it } from "vitest";
import { decodeAnyMessage, decodeMessage, encodeMessage, semverRank } from "../../protocol/codec";
import { ProtocolError } from "../../protocol/errors";
import type { MessageKind, MessageTypes } from "../../protocol/messages";
import { f32Bits, toF32 } from "../../protocol/wire/bytes";

/** Rows of (bytes, what they mean); the test flattens them. */
type Row = [number[], string];
const flat = (rows: Row[]) => rows.flatMap((r) => r[0]);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

interface Case<K extends MessageKind = MessageKind> {
  name: string;
  kind: K;
  msg: MessageTypes[K];
  bytes: Row[];
}

const cases: Case[] = [
  {
    name: "detection, no feature window",
    kind: "det",
    msg: {
      seq: 300,
      timeMs: 1_700_000_000_000,
      clockSynced: true,
      keyword: "yes",
      score: 0.75,
      modelId: "m1",
      modelVersion: 2,
    },
    bytes: [
      [[0x01, 0x01], "protocol v1, type 1 = det"],
      [[0x00], "presence: no optional fields"],
      [[0xac, 0x02], "seq 300 = 44 + 2*128"],
      [[0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31], "timeMs 1.7e12 as LEB128"],
      [[0x01], "clockSynced true"],
      [[0x03, ...ascii("yes")], "keyword: length 3, 'yes'"],
      [[0x00, 0x00, 0x40, 0x3f], "score 0.75 as f32 LE (0x3f400000)"],
      [[0x02, ...ascii("m1")], "modelId 'm1'"],
      [[0x02], "modelVersion 2"],
    ],
  },
  {
    name: "detection with its int8 feature window",
    kind: "det",
    msg: {
      seq: 0,
      timeMs: 5,
      clockSynced: false,
      keyword: "no",
      score: 0.5,
      modelId: "m",
      modelVersion: 1,
      featureShape: [2, 2],
      features: [-128, -1, 0, 127],
    },
    bytes: [
      [[0x01, 0x01], "v1, det"],
      [[0x03], "presence: bit0 featureShape, bit1 features"],
      [[0x00, 0x05, 0x00], "seq 0, timeMs 5, clockSynced false"],
      [[0x02, ...ascii("no")], "keyword"],
      [[0x00, 0x00, 0x00, 0x3f], "score 0.5"],
      [[0x01, ...ascii("m"), 0x01], "modelId 'm', modelVersion 1"],
      [[0x02, 0x02, 0x02], "featureShape: count 2, [2, 2]"],
      [[0x04, 0x80, 0xff, 0x00, 0x7f], "features: count 4, two's complement int8"],
    ],
  },
  {
    name: "status as last will",
    kind: "status",
    msg: { online: false, timeMs: 60000, runtime: "0.1.0", reason: "lost" },
    bytes: [
      [[0x01, 0x03], "v1, type 3 = status"],
      [[0x04], "presence: bit2 = reason (modelId, modelVersion absent)"],
      [[0x00], "online false"],
      [[0xe0, 0xd4, 0x03], "timeMs 60000"],
      [[0x05, ...ascii("0.1.0")], "runtime"],
      [[0x04, ...ascii("lost")], "reason"],
    ],
  },
  {
    name: "command setThreshold for one keyword",
    kind: "cmd",
    msg: { cmdId: 7, op: "setThreshold", threshold: -1.5, keyword: "go" },
    bytes: [
      [[0x01, 0x04], "v1, type 4 = cmd"],
      [[0x03], "presence: threshold, keyword"],
      [[0x07], "cmdId 7"],
      [[0x00], "op index 0 = setThreshold"],
      [[0x00, 0x00, 0xc0, 0xbf], "threshold -1.5 (sign bit set)"],
      [[0x02, ...ascii("go")], "keyword"],
    ],
  },
  {
    name: "command reboot",
    kind: "cmd",
    msg: { cmdId: 123456, op: "reboot" },
    bytes: [
      [[0x01, 0x04, 0x00], "v1, cmd, no optionals"],
      [[0xc0, 0xc4, 0x07], "cmdId 123456"],
      [[0x03], "op index 3 = reboot"],
    ],
  },
  {
    name: "telemetry with stages, RSSI and histogram",
    kind: "tel",
    msg: {
      seq: 1,
      timeMs: 2,
      uptimeMs: 3,
      modelId: "k",
      modelVersion: 4,
      frames: 5,
      inferences: 6,
      detections: 7,
      nearMisses: 8,
      buffered: 9,
      dropped: 10,
      reconnects: 11,
      stages: [{ stage: "mfcc", meanUs: 130, maxUs: 1 }],
      rssiDbm: -67,
      histogram: [0, 1],
    },
    bytes: [
      [[0x01, 0x02], "v1, type 2 = tel"],
      [[0x30], "presence: bit4 rssiDbm + bit5 histogram = 0x30"],
      [[0x01, 0x02, 0x03], "seq, timeMs, uptimeMs"],
      [[0x01, ...ascii("k"), 0x04], "modelId, modelVersion"],
      [[0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b], "frames .. reconnects"],
      [[0x01], "stages: 1 record"],
      [[0x01, 0x04, ...ascii("mfcc"), 0x82, 0x01, 0x01], "record presence: maxUs; 'mfcc', 130, 1"],
      [[0x85, 0x01], "rssiDbm -67 zig-zag = 133"],
      [[0x02, 0x00, 0x01], "histogram [0, 1]"],
    ],
  },
  {
    name: "OTA chunk request",
    kind: "otaReq",
    msg: { modelId: "kws", version: 3, received: 2, missing: [0, 200] },
    bytes: [
      [[0x01, 0x08, 0x00], "v1, type 8 = otaReq, no optionals"],
      [[0x03, ...ascii("kws"), 0x03], "modelId, version 3"],
      [[0x02], "received 2"],
      [[0x02, 0x00, 0xc8, 0x01], "missing: count 2, [0, 200]"],
    ],
  },
];

describe("binary codec: annotated byte tables", () => {
  for (const c of cases) {
    it(`${c.name}: object -> bytes -> object`, () => {
      const bytes = flat(c.bytes);
      expect(encodeMessage(c.kind, c.msg)).toEqual(bytes);
      expect(decodeMessage(c.kind, bytes)).toEqual(c.msg);
      expect(decodeAnyMessage(bytes)).toEqual({ kind: c.kind, message: c.msg });
    });
  }
});

/** Error fixtures: bytes, and the error the decoder must raise (code, field, offset). */
const base = flat(cases[0].bytes);
const errors: {
  name: string;
  kind: MessageKind;
  bytes: number[];
  code: string;
  field: string;
  offset: number;
}[] = [
  { name: "empty", kind: "det", bytes: [], code: "truncated", field: "header", offset: 0 },
  {
    name: "wrong version",
    kind: "det",
    bytes: [2, ...base.slice(1)],
    code: "version",
    field: "version",
    offset: 0,
  },
  { name: "unknown type", kind: "det", bytes: [1, 99, 0], code: "type", field: "type", offset: 1 },
  {
    name: "wrong type for topic",
    kind: "tel",
    bytes: base,
    code: "type",
    field: "type",
    offset: 1,
  },
  {
    name: "truncated in score",
    kind: "det",
    bytes: base.slice(0, 16),
    code: "truncated",
    field: "score",
    offset: 16,
  },
  {
    name: "trailing byte",
    kind: "det",
    bytes: [...base, 0],
    code: "trailing",
    field: "",
    offset: base.length,
  },
  {
    name: "unknown presence bit",
    kind: "det",
    bytes: [1, 1, 16, ...base.slice(3)],
    code: "presence",
    field: "",
    offset: 2,
  },
  {
    name: "bool byte 2",
    kind: "det",
    bytes: [...base.slice(0, 11), 2, ...base.slice(12)],
    code: "range",
    field: "clockSynced",
    offset: 11,
  },
  {
    name: "non-canonical varint",
    kind: "cmd",
    bytes: [1, 4, 0, 0x87, 0x00, 3],
    code: "varint",
    field: "cmdId",
    offset: 3,
  },
  {
    name: "varint too long",
    kind: "cmd",
    bytes: [1, 4, 0, ...Array(9).fill(0xff), 1],
    code: "varint",
    field: "cmdId",
    offset: 3,
  },
  {
    name: "enum index out of range",
    kind: "cmd",
    bytes: [1, 4, 0, 1, 9],
    code: "range",
    field: "op",
    offset: 4,
  },
  {
    name: "string over max",
    kind: "det",
    bytes: [1, 1, 0, 0, 0, 1, 33],
    code: "length",
    field: "keyword",
    offset: 6,
  },
  {
    name: "control char in string",
    kind: "det",
    bytes: [1, 1, 0, 0, 0, 1, 1, 10],
    code: "range",
    field: "keyword",
    offset: 7,
  },
  {
    name: "length longer than payload",
    kind: "otaReq",
    bytes: [1, 8, 0, 1, 0x6b, 1, 0, 50],
    code: "truncated",
    field: "missing",
    offset: 8,
  },
  {
    name: "NaN score",
    kind: "det",
    bytes: [...base.slice(0, 16), 0x00, 0x00, 0xc0, 0x7f, ...base.slice(20)],
    code: "range",
    field: "score",
    offset: 16,
  },
  {
    name: "features without matching shape",
    kind: "det",
    bytes: [1, 1, 3, 0, 5, 0, 2, ...ascii("no"), 0, 0, 0, 0x3f, 1, 0x6d, 1, 1, 3, 2, 1, 2],
    code: "semantic",
    field: "featureShape",
    offset: 21,
  },
];

describe("binary codec: error fixtures", () => {
  for (const e of errors) {
    it(`rejects ${e.name}`, () => {
      let err: unknown;
      try {
        decodeMessage(e.kind, e.bytes);
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      const p = err as ProtocolError;
      expect({ code: p.code, field: p.field, offset: p.offset }).toEqual({
        code: e.code,
        field: e.field,
        offset: e.offset,
      });
      expect(p.expected).toBe(true);
    });
  }

  it("encoder refuses invalid objects with the field named", () => {
    const good = cases[0].msg as MessageTypes["det"];
    const bad: [unknown, string][] = [
      [{ ...good, seq: -1 }, "seq"],
      [{ ...good, seq: 1.5 }, "seq"],
      [{ ...good, keyword: "é" }, "keyword"],
      [{ ...good, keyword: "x".repeat(33) }, "keyword"],
      [{ ...good, score: Number.NaN }, "score"],
      [{ ...good, score: 1e39 }, "score"],
      [{ ...good, keyword: undefined }, "keyword"],
      [{ ...good, features: [200], featureShape: [1] }, "features[0]"],
    ];
    for (const [msg, field] of bad) {
      expect(() => encodeMessage("det", msg as MessageTypes["det"])).toThrow(
        expect.objectContaining({ field, expected: true }),
      );
    }
  });
});

describe("f32 without typed arrays", () => {
  it("matches Math.fround bit for bit over normals, subnormals and rounding ties", () => {
    const view = new DataView(new ArrayBuffer(4));
    const values = [
      0,
      -0,
      1,
      -1,
      0.1,
      1 / 3,
      0.75,
      65504,
      3.4028234663852886e38,
      1.4e-45,
      1e-40,
      1.1754943508222875e-38,
    ];
    let x = 0x2545f491;
    for (let i = 0; i < 4000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      view.setUint32(0, x);
      const f = view.getFloat32(0);
      if (Number.isFinite(f)) values.push(f, f * (1 + 2 ** -30), f * 1.0000001);
    }
    for (const v of values) {
      view.setFloat32(0, v, true);
      expect(f32Bits(v), String(v)).toBe(view.getUint32(0, true));
      expect(Object.is(toF32(v), Math.fround(v))).toBe(true);
    }
  });
});

describe("semverRank", () => {
  it("orders a.b.c and rejects anything else", () => {
    expect(semverRank("0.1.0")).toBeLessThan(semverRank("0.2.0"));
    expect(semverRank("1.0.0")).toBeGreaterThan(semverRank("0.999.999"));
    for (const bad of ["", "1.0", "1.0.0.0", "a.b.c", "1..0", "1.0.1000", "1.0.0-rc"]) {
      expect(semverRank(bad), bad).toBe(-1);
    }
  });
});
