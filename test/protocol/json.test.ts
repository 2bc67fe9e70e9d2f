import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../protocol/errors";
import { jsonSchemaOf, parseJson } from "../../protocol/json";
import { MESSAGE_KINDS } from "../../protocol/messages";

const det = {
  seq: 1,
  timeMs: 2,
  clockSynced: true,
  keyword: "yes",
  score: 0.9,
  modelId: "m",
  modelVersion: 1,
};

describe("host JSON schemas derived from the field tables", () => {
  it("accepts a valid message and rejects each kind of bad field, naming it", () => {
    expect(parseJson("det", det)).toEqual(det);
    const bad: [unknown, string][] = [
      [{ ...det, seq: -1 }, "seq"],
      [{ ...det, keyword: 5 }, "keyword"],
      [{ ...det, keyword: "x".repeat(33) }, "keyword"],
      [{ ...det, extra: 1 }, ""],
      [{ ...det, features: [1, 2], featureShape: [3] }, "featureShape"],
      [{ ...det, features: [1000], featureShape: [1] }, "features.0"],
    ];
    for (const [value, field] of bad) {
      let err: unknown;
      try {
        parseJson("det", value);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(value)).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).field).toBe(field);
    }
  });

  it("validates enums and nested lists", () => {
    expect(() => parseJson("cmd", { cmdId: 1, op: "explode" })).toThrow(/invalid cmd JSON/);
    expect(() =>
      parseJson("tel", {
        seq: 1,
        timeMs: 1,
        uptimeMs: 1,
        modelId: "m",
        modelVersion: 1,
        frames: 0,
        inferences: 0,
        detections: 0,
        nearMisses: 0,
        buffered: 0,
        dropped: 0,
        reconnects: 0,
        stages: [{ stage: "mfcc", maxUs: 1 }],
      }),
    ).toThrow(expect.objectContaining({ field: "stages.0.meanUs" }));
  });

  it("exports a JSON Schema per message kind", () => {
    for (const kind of MESSAGE_KINDS) {
      const s = jsonSchemaOf(kind) as { type: string; properties: object };
      expect(s.type).toBe("object");
    }
    const s = jsonSchemaOf("det") as { required: string[] };
    expect(s.required).toContain("seq");
    expect(s.required).not.toContain("features");
  });
});
