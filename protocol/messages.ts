/**
 * Every message of protocol v1 as one field table. The tables are the single definition: the
 * binary codec, the host JSON schemas and the TS types below are derived from them. Changing a
 * table changes the wire format: append optional fields only, and bump PROTOCOL_VERSION for
 * anything else.
 *
 * Payload = [PROTOCOL_VERSION u8][message type u8][presence varint][fields in table order].
 */
import type { FieldTable, MessageOf } from "./wire/fields";

export const PROTOCOL_VERSION = 1;

const stageRecord = [
  { name: "stage", type: "str", max: 16, doc: "pipeline stage: audio, mfcc, infer, smooth, ..." },
  { name: "meanUs", type: "varint", doc: "mean time per call since the last report, µs" },
  {
    name: "maxUs",
    type: "varint",
    optional: true,
    doc: "worst time per call since the last report, µs (absent when not tracked)",
  },
] as const;

const keywordRecord = [
  { name: "keyword", type: "str", max: 32 },
  { name: "detections", type: "varint", doc: "detections since boot" },
  {
    name: "nearMisses",
    type: "varint",
    doc: "score crossed the near-miss floor, not the threshold",
  },
] as const;

export const detectionFields = [
  {
    name: "seq",
    type: "varint",
    doc: "per-device sequence number, never reused (idempotency key with the device id)",
  },
  {
    name: "timeMs",
    type: "varint",
    doc: "ms since the Unix epoch, or uptime ms when clockSynced is false",
  },
  { name: "clockSynced", type: "bool" },
  { name: "keyword", type: "str", max: 32 },
  { name: "score", type: "f32", doc: "smoothed posterior that crossed the threshold, 0..1" },
  { name: "modelId", type: "str", max: 32 },
  { name: "modelVersion", type: "varint" },
  {
    name: "featureShape",
    type: "varints",
    optional: true,
    max: 4,
    doc: "shape of features, e.g. [frames, coeffs]",
  },
  {
    name: "features",
    type: "i8s",
    optional: true,
    max: 4096,
    doc: "the int8 feature window that triggered it",
  },
  {
    name: "featureScale",
    type: "f32",
    optional: true,
    doc: "features[i] * featureScale is the window's value (what a host verifier re-scores)",
  },
  {
    name: "nearMiss",
    type: "bool",
    optional: true,
    doc: "true: a near miss (score just under the threshold), captured, not a detection",
  },
] as const satisfies FieldTable;

export const telemetryFields = [
  { name: "seq", type: "varint", doc: "telemetry sequence number" },
  { name: "timeMs", type: "varint" },
  { name: "uptimeMs", type: "varint" },
  { name: "modelId", type: "str", max: 32 },
  { name: "modelVersion", type: "varint" },
  { name: "frames", type: "varint", doc: "audio frames processed since boot" },
  { name: "inferences", type: "varint", doc: "model invocations since boot" },
  { name: "detections", type: "varint", doc: "detections since boot" },
  { name: "nearMisses", type: "varint", doc: "near misses since boot (all keywords)" },
  { name: "buffered", type: "varint", doc: "detections waiting in store-and-forward" },
  {
    name: "dropped",
    type: "varint",
    doc: "detections dropped from a full store-and-forward buffer",
  },
  { name: "reconnects", type: "varint" },
  { name: "stages", type: "list", max: 16, of: stageRecord },
  { name: "arenaBytes", type: "u32", optional: true, doc: "tensor arena size" },
  { name: "heapUsed", type: "u32", optional: true },
  { name: "heapFree", type: "u32", optional: true },
  { name: "batteryMv", type: "u16", optional: true },
  { name: "rssiDbm", type: "svarint", optional: true },
  {
    name: "histogram",
    type: "varints",
    optional: true,
    max: 32,
    doc: "score counts in equal bins over [0,1]",
  },
  { name: "perKeyword", type: "list", optional: true, max: 16, of: keywordRecord },
] as const satisfies FieldTable;

export const statusFields = [
  { name: "online", type: "bool" },
  { name: "timeMs", type: "varint" },
  { name: "runtime", type: "str", max: 16, doc: "device runtime version, semver" },
  { name: "modelId", type: "str", optional: true, max: 32 },
  { name: "modelVersion", type: "varint", optional: true },
  {
    name: "reason",
    type: "str",
    optional: true,
    max: 32,
    doc: "why offline: lost (last will), reboot, shutdown",
  },
] as const satisfies FieldTable;

export const COMMAND_OPS = [
  "setThreshold",
  "setSmoothing",
  "setStride",
  "reboot",
  "sendTelemetry",
  "revert",
  "setCapture",
] as const;

export const commandFields = [
  { name: "cmdId", type: "varint", doc: "host-chosen id echoed in the ack" },
  { name: "op", type: "enum", values: COMMAND_OPS },
  { name: "threshold", type: "f32", optional: true, doc: "setThreshold: 0..1" },
  {
    name: "keyword",
    type: "str",
    optional: true,
    max: 32,
    doc: "setThreshold: one keyword (absent: all)",
  },
  {
    name: "smoothing",
    type: "varint",
    optional: true,
    doc: "setSmoothing: moving-average window, in inferences",
  },
  {
    name: "strideFrames",
    type: "varint",
    optional: true,
    doc: "setStride: run the model every this many new feature frames",
  },
  {
    name: "fleet",
    type: "str",
    optional: true,
    max: 64,
    doc: "the fleet the command is signed for; devices of other fleets refuse it",
  },
  {
    name: "seq",
    type: "varint",
    optional: true,
    doc: "signing sequence number; devices refuse one <= the last they accepted (replay)",
  },
  {
    name: "modelId",
    type: "str",
    optional: true,
    max: 32,
    doc: "revert: the model to leave (the device goes back to its other slot)",
  },
  {
    name: "version",
    type: "varint",
    optional: true,
    doc: "revert: the version to leave",
  },
  {
    name: "capture",
    type: "varint",
    optional: true,
    doc: "setCapture: feature windows sent per hour (detections and near misses), 0: off",
  },
  {
    name: "signature",
    type: "bytes",
    optional: true,
    max: 64,
    doc: "Ed25519 over the command encoded without this field (the OTA signing key)",
  },
] as const satisfies FieldTable;

export const ackFields = [
  { name: "cmdId", type: "varint" },
  { name: "ok", type: "bool" },
  { name: "error", type: "str", optional: true, max: 64 },
] as const satisfies FieldTable;

/** The signed part of an OTA artifact. Its exact encoded bytes are what Ed25519 signs. */
export const manifestFields = [
  { name: "modelId", type: "str", max: 32 },
  {
    name: "version",
    type: "varint",
    doc: "monotonic per modelId; devices refuse <= the active one",
  },
  { name: "size", type: "u32", doc: "model file size in bytes" },
  { name: "sha256", type: "bytes", max: 32, doc: "SHA-256 of the model file" },
  { name: "chunkSize", type: "u16", doc: "bytes per chunk (last chunk may be shorter)" },
  { name: "minRuntime", type: "str", max: 16, doc: "lowest device runtime version, semver a.b.c" },
  { name: "threshold", type: "f32", doc: "default detection threshold" },
  { name: "smoothing", type: "varint", doc: "default smoothing window, in inferences" },
  { name: "createdMs", type: "varint" },
  {
    name: "fleet",
    type: "str",
    max: 64,
    doc: "the fleet it is signed for; devices of other fleets refuse it",
  },
  { name: "keyId", type: "str", optional: true, max: 16, doc: "which signing key (rotation)" },
] as const satisfies FieldTable;

export const otaOfferFields = [
  { name: "manifest", type: "bytes", max: 512, doc: "encoded manifest message" },
  { name: "signature", type: "bytes", max: 64, doc: "Ed25519 signature over `manifest`" },
] as const satisfies FieldTable;

export const otaChunkFields = [
  { name: "modelId", type: "str", max: 32 },
  { name: "version", type: "varint" },
  { name: "index", type: "varint" },
  { name: "data", type: "bytes", max: 4096 },
] as const satisfies FieldTable;

export const otaRequestFields = [
  { name: "modelId", type: "str", max: 32 },
  { name: "version", type: "varint" },
  { name: "received", type: "varint", doc: "chunks held so far" },
  {
    name: "missing",
    type: "varints",
    max: 64,
    doc: "chunk indices wanted next (first 64 missing)",
  },
] as const satisfies FieldTable;

export const OTA_OUTCOMES = [
  "activated",
  "badSignature",
  "badManifest",
  "rollback",
  "runtimeTooOld",
  "tooLarge",
  "badHash",
  "badModel",
  "storageError",
  "superseded",
  "reverted",
] as const;

export const otaReportFields = [
  { name: "modelId", type: "str", max: 32, doc: "the offered model" },
  { name: "version", type: "varint" },
  { name: "outcome", type: "enum", values: OTA_OUTCOMES },
  { name: "detail", type: "str", optional: true, max: 64 },
  { name: "activeModelId", type: "str", max: 32, doc: "model running after the attempt" },
  { name: "activeVersion", type: "varint" },
  { name: "timeMs", type: "varint" },
] as const satisfies FieldTable;

export type Detection = MessageOf<typeof detectionFields>;
export type Telemetry = MessageOf<typeof telemetryFields>;
export type Status = MessageOf<typeof statusFields>;
export type Command = MessageOf<typeof commandFields>;
export type CommandOp = (typeof COMMAND_OPS)[number];
export type CommandAck = MessageOf<typeof ackFields>;
export type Manifest = MessageOf<typeof manifestFields>;
export type OtaOffer = MessageOf<typeof otaOfferFields>;
export type OtaChunk = MessageOf<typeof otaChunkFields>;
export type OtaRequest = MessageOf<typeof otaRequestFields>;
export type OtaReport = MessageOf<typeof otaReportFields>;
export type OtaOutcome = (typeof OTA_OUTCOMES)[number];

/** Message kinds with their wire type code (byte 1 of every payload) and table. */
export const MESSAGES = {
  det: { code: 1, fields: detectionFields },
  tel: { code: 2, fields: telemetryFields },
  status: { code: 3, fields: statusFields },
  cmd: { code: 4, fields: commandFields },
  ack: { code: 5, fields: ackFields },
  otaOffer: { code: 6, fields: otaOfferFields },
  otaChunk: { code: 7, fields: otaChunkFields },
  otaReq: { code: 8, fields: otaRequestFields },
  otaReport: { code: 9, fields: otaReportFields },
  manifest: { code: 10, fields: manifestFields },
} as const;

export type MessageKind = keyof typeof MESSAGES;

export interface MessageTypes {
  det: Detection;
  tel: Telemetry;
  status: Status;
  cmd: Command;
  ack: CommandAck;
  otaOffer: OtaOffer;
  otaChunk: OtaChunk;
  otaReq: OtaRequest;
  otaReport: OtaReport;
  manifest: Manifest;
}

export const MESSAGE_KINDS: MessageKind[] = [
  "det",
  "tel",
  "status",
  "cmd",
  "ack",
  "otaOffer",
  "otaChunk",
  "otaReq",
  "otaReport",
  "manifest",
];

/** The message carried on each topic kind (manifest travels inside otaOffer). */
export const TOPIC_MESSAGE = {
  det: "det",
  tel: "tel",
  status: "status",
  cmd: "cmd",
  ack: "ack",
  "ota/offer": "otaOffer",
  "ota/chunk": "otaChunk",
  "ota/req": "otaReq",
  "ota/report": "otaReport",
} as const satisfies { [k: string]: MessageKind };
