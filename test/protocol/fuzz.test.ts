/**
 * Fuzz the decoders with 120k inputs: random bytes behind valid headers, and mutations (byte
 * flips, truncation, insertion, deletion, splices) of valid payloads of every kind. Properties:
 * a decoder either throws ProtocolError, never anything else, or returns a message whose
 * re-encoding is exactly the input (the format is canonical, so nothing is silently dropped).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { decodeAnyMessage, encodeMessage } from "../../protocol/codec";
import { ProtocolError } from "../../protocol/errors";
import { MESSAGE_KINDS, MESSAGES, type MessageTypes } from "../../protocol/messages";
import { parseTopic, topicFor } from "../../protocol/topics";
import { samples } from "./samples";

const seeds = samples.map((s) => encodeMessage(s.kind, s.msg as never));

function mutate(rng: Rng, src: number[]): number[] {
  const b = src.slice();
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const op = rng.int(6);
    const at = b.length === 0 ? 0 : rng.int(b.length);
    if (op === 0 && b.length > 0) b[at] = rng.int(256);
    else if (op === 1 && b.length > 0) b[at] ^= 1 << rng.int(8);
    else if (op === 2) b.length = at;
    else if (op === 3) b.splice(at, 0, rng.int(256));
    else if (op === 4) b.splice(at, 1);
    else {
      const other = seeds[rng.int(seeds.length)];
      b.splice(at, b.length - at, ...other.slice(rng.int(other.length)));
    }
  }
  return b;
}

function randomPayload(rng: Rng): number[] {
  const kind = MESSAGE_KINDS[rng.int(MESSAGE_KINDS.length)];
  const n = rng.int(48);
  const b = [1, MESSAGES[kind].code];
  for (let i = 0; i < n; i++) b.push(rng.int(4) === 0 ? rng.int(4) : rng.int(256));
  return b;
}

describe("decoder fuzz", () => {
  it("120k random and mutated payloads: ProtocolError or a canonical round trip", () => {
    const rng = new Rng(6);
    let accepted = 0;
    let rejected = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 120_000; i++) {
      const input = i % 3 === 0 ? randomPayload(rng) : mutate(rng, seeds[rng.int(seeds.length)]);
      let decoded: { kind: keyof MessageTypes; message: unknown } | undefined;
      try {
        decoded = decodeAnyMessage(input);
      } catch (e) {
        if (!(e instanceof ProtocolError))
          throw new Error(`non-protocol error for [${input}]: ${e}`);
        codes.add(e.code);
        rejected++;
        continue;
      }
      accepted++;
      const again = encodeMessage(decoded.kind, decoded.message as never);
      if (again.length !== input.length || again.some((v, j) => v !== input[j])) {
        throw new Error(`not canonical: [${input}] re-encodes as [${again}]`);
      }
    }
    // Both outcomes must be exercised or the fuzzer is not testing anything.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(10_000);
    expect([...codes]).toEqual(
      expect.arrayContaining(["truncated", "trailing", "type", "range", "length"]),
    );
  });
});

describe("samples of every kind", () => {
  it("round-trip object -> bytes -> object", () => {
    const kinds = new Set(samples.map((s) => s.kind));
    expect([...kinds].sort()).toEqual([...MESSAGE_KINDS].sort());
    for (const s of samples) {
      const bytes = encodeMessage(s.kind, s.msg as never);
      expect(decodeAnyMessage(bytes)).toEqual({ kind: s.kind, message: s.msg });
    }
  });
});

describe("topic parser fuzz", () => {
  it("20k random topics: a ParsedTopic that rebuilds to the same string, or ProtocolError", () => {
    const rng = new Rng(61);
    const parts = [
      "earshot",
      "v1",
      "v2",
      "f",
      "d-1",
      "_all",
      "_c.x",
      "_c.",
      "det",
      "ota",
      "chunk",
      "offer",
      "+",
      "#",
      "",
      "é",
      "a".repeat(70),
      "\u0000",
      "cmd",
    ];
    let ok = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + rng.int(7);
      const segs: string[] = [];
      for (let j = 0; j < n; j++)
        segs.push(j < 2 && rng.int(2) === 0 ? ["earshot", "v1"][j] : parts[rng.int(parts.length)]);
      const topic = segs.join(rng.int(20) === 0 ? "//" : "/");
      try {
        const t = parseTopic(topic);
        ok++;
        expect(topicFor(t.fleet, t.target, t.kind)).toBe(topic);
      } catch (e) {
        if (!(e instanceof ProtocolError))
          throw new Error(`non-protocol error for ${JSON.stringify(topic)}: ${e}`);
      }
    }
    expect(ok).toBeGreaterThan(20);
  });
});
