/**
 * earshot protocol v1, public surface for host code (fleet service, CLI, simulator).
 * Device code imports the portable modules directly (codec, topics, messages, wire/*).
 */
export { decodeAnyMessage, decodeMessage, encodeMessage, payloadKind, semverRank } from "./codec";
export { ProtocolError } from "./errors";
export { decode, decodeTopicPayload, encode, encodeForTopic, type TopicMessage } from "./host";
export { jsonSchemaOf, messageSchema, parseJson } from "./json";
export * from "./messages";
export {
  type Artifact,
  type ArtifactOptions,
  buildArtifact,
  chunkCount,
  chunkOf,
  chunksForRequest,
  chunksOf,
  DEFAULT_CHUNK_SIZE,
  decodeArtifactFile,
  encodeArtifactFile,
  MAX_CHUNK_SIZE,
  verifyOffer,
} from "./ota/artifact";
export {
  generateSigningKeys,
  keyIdOf,
  loadPrivateKey,
  publicKeyFrom,
  type SigningKeys,
  signBytes,
  verifyBytes,
} from "./ota/keys";
export * from "./topics";
