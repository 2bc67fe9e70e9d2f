/**
 * Message-level binary codec (portable subset). A payload is
 *   [PROTOCOL_VERSION u8][type code u8][record of the message's field table]
 * and nothing after it. Devices call encodeMessage/decodeMessage with plain number[] bytes; the
 * host wraps them with Buffers in protocol/host.ts.
 */
import { protocolError } from "./errors";
import {
  MESSAGE_KINDS,
  MESSAGES,
  type MessageKind,
  type MessageTypes,
  PROTOCOL_VERSION,
} from "./messages";
import { ByteReader, ByteWriter } from "./wire/bytes";
import { decodeFields, encodeFields } from "./wire/codec";

type Obj = { [k: string]: unknown };

/** Semver "a.b.c" with each part a decimal integer < 1000; returns -1 when malformed. */
export function semverRank(v: string): number {
  let rank = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part >= 1000) return -1;
      rank = rank * 1000 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 3 ? rank : -1;
}

/** Cross-field rules a field table cannot express; `at` is the offset for decode errors. */
function checkMessage(kind: MessageKind, o: Obj, at: number): void {
  const fail = (field: string, what: string) => {
    throw protocolError(at >= 0 ? "semantic" : "invalid", what, field, at);
  };
  if (kind === "det") {
    const shape = o.featureShape as number[] | undefined;
    const feats = o.features as number[] | undefined;
    if ((shape === undefined) !== (feats === undefined)) {
      fail("features", "features and featureShape come together");
    }
    if (shape !== undefined && feats !== undefined) {
      let n = 1;
      for (let i = 0; i < shape.length; i++) n *= shape[i];
      if (shape.length === 0 || n !== feats.length) {
        fail("featureShape", `shape holds ${n} values but features has ${feats.length}`);
      }
    }
  } else if (kind === "manifest") {
    if ((o.sha256 as number[]).length !== 32) fail("sha256", "sha256 must be 32 bytes");
    if ((o.chunkSize as number) < 1) fail("chunkSize", "chunkSize must be >= 1");
    if ((o.size as number) < 1) fail("size", "size must be >= 1");
    if (semverRank(o.minRuntime as string) < 0) fail("minRuntime", "minRuntime is not a.b.c");
  } else if (kind === "otaOffer") {
    if ((o.signature as number[]).length !== 64) fail("signature", "Ed25519 signature is 64 bytes");
  } else if (kind === "otaChunk") {
    if ((o.data as number[]).length < 1) fail("data", "empty chunk");
  }
}

export function encodeMessage<K extends MessageKind>(kind: K, msg: MessageTypes[K]): number[] {
  const spec = MESSAGES[kind];
  if (spec === undefined) throw protocolError("invalid", `unknown message kind ${kind}`, "", -1);
  const w = new ByteWriter();
  w.byte(PROTOCOL_VERSION);
  w.byte(spec.code);
  encodeFields(spec.fields, msg, w, "");
  checkMessage(kind, msg as unknown as Obj, -1);
  return w.out;
}

/** The message kind a payload says it carries (byte 1), after checking the version byte. */
export function payloadKind(bytes: number[]): MessageKind {
  if (bytes.length < 2)
    throw protocolError("truncated", "payload shorter than its header", "header", 0);
  if (bytes[0] !== PROTOCOL_VERSION) {
    throw protocolError(
      "version",
      `protocol version ${bytes[0]}, want ${PROTOCOL_VERSION}`,
      "version",
      0,
    );
  }
  for (let i = 0; i < MESSAGE_KINDS.length; i++) {
    if (MESSAGES[MESSAGE_KINDS[i]].code === bytes[1]) return MESSAGE_KINDS[i];
  }
  throw protocolError("type", `unknown message type ${bytes[1]}`, "type", 1);
}

/**
 * Decode a payload that must carry `kind`. Throws ProtocolError (expected=true) naming the field
 * and byte offset for anything malformed: wrong version/type, truncation, out-of-range values,
 * oversize lengths, trailing bytes.
 */
export function decodeMessage<K extends MessageKind>(kind: K, bytes: number[]): MessageTypes[K] {
  const got = payloadKind(bytes);
  if (got !== kind)
    throw protocolError("type", `payload is a ${got} message, want ${kind}`, "type", 1);
  const r = new ByteReader(bytes);
  r.pos = 2;
  const o = decodeFields(MESSAGES[kind].fields, r, "");
  if (r.remaining() !== 0) {
    throw protocolError(
      "trailing",
      `${r.remaining()} unexpected bytes after the message`,
      "",
      r.pos,
    );
  }
  checkMessage(kind, o, r.pos);
  return o as unknown as MessageTypes[K];
}

export interface AnyMessage {
  kind: MessageKind;
  message: MessageTypes[MessageKind];
}

/** Decode a payload of whatever kind its header names. */
export function decodeAnyMessage(bytes: number[]): AnyMessage {
  const kind = payloadKind(bytes);
  return { kind, message: decodeMessage(kind, bytes) };
}
