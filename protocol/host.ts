/**
 * Host-side conveniences over the portable codec: Buffers in and out, and payload + topic
 * decoding in one step for ingest. (The portable decoder only indexes and reads .length, so a
 * Uint8Array is passed through without copying.)
 */
import { decodeMessage, encodeMessage } from "./codec";
import { protocolError } from "./errors";
import { type MessageKind, type MessageTypes, TOPIC_MESSAGE } from "./messages";
import { type ParsedTopic, parseTopic, type TopicKind } from "./topics";

export function encode<K extends MessageKind>(kind: K, msg: MessageTypes[K]): Buffer {
  return Buffer.from(encodeMessage(kind, msg));
}

export function decode<K extends MessageKind>(kind: K, payload: Uint8Array): MessageTypes[K] {
  return decodeMessage(kind, payload as unknown as number[]);
}

export type TopicMessage = {
  [T in TopicKind]: {
    topic: ParsedTopic & { kind: T };
    kind: T;
    message: MessageTypes[(typeof TOPIC_MESSAGE)[T]];
  };
}[TopicKind];

/** Parse the topic and decode the payload it must carry; either failing throws ProtocolError. */
export function decodeTopicPayload(topic: string, payload: Uint8Array): TopicMessage {
  const parsed = parseTopic(topic);
  const kind = TOPIC_MESSAGE[parsed.kind];
  if (kind === undefined) throw protocolError("topic", `no message for ${parsed.kind}`, "kind", -1);
  const message = decodeMessage(kind, payload as unknown as number[]);
  return { topic: parsed, kind: parsed.kind, message } as TopicMessage;
}

/** Encode a message for a topic kind (the MQTT publish payload). */
export function encodeForTopic<T extends TopicKind>(
  kind: T,
  msg: MessageTypes[(typeof TOPIC_MESSAGE)[T]],
): Buffer {
  return Buffer.from(encodeMessage(TOPIC_MESSAGE[kind], msg as never));
}
