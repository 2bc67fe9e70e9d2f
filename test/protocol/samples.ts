/** One valid message per kind (and a few variants), used to seed the fuzzer and round trips. */
import type { MessageKind, MessageTypes } from "../../protocol/messages";

type Sample = { [K in MessageKind]: { kind: K; msg: MessageTypes[K] } }[MessageKind];

/** Portable subset (the engine parity driver imports this): no Array.from, no `**`. */
function bytesOf(n: number, mul: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((i * mul) % 256);
  return out;
}
const sha = bytesOf(32, 37);

export const samples: Sample[] = [
  {
    kind: "det",
    msg: {
      seq: 1,
      timeMs: 1_700_000_000_123,
      clockSynced: true,
      keyword: "yes",
      score: 0.8125,
      modelId: "kws",
      modelVersion: 3,
    },
  },
  {
    kind: "det",
    msg: {
      seq: 1099511627776,
      timeMs: 9,
      clockSynced: false,
      keyword: "stop",
      score: 0.5,
      modelId: "kws",
      modelVersion: 3,
      featureShape: [4, 3],
      features: [-128, -5, 0, 1, 2, 3, 4, 5, 6, 7, 100, 127],
    },
  },
  {
    kind: "tel",
    msg: {
      seq: 10,
      timeMs: 11,
      uptimeMs: 12,
      modelId: "kws",
      modelVersion: 3,
      frames: 1000,
      inferences: 500,
      detections: 4,
      nearMisses: 9,
      buffered: 0,
      dropped: 1,
      reconnects: 2,
      stages: [
        { stage: "mfcc", meanUs: 300, maxUs: 900 },
        { stage: "infer", meanUs: 4000, maxUs: 5000 },
      ],
      arenaBytes: 20000,
      heapUsed: 1000,
      heapFree: 3000,
      batteryMv: 3700,
      rssiDbm: -70,
      histogram: [100, 50, 20, 5, 1],
      perKeyword: [{ keyword: "yes", detections: 3, nearMisses: 7 }],
    },
  },
  {
    kind: "status",
    msg: { online: true, timeMs: 5, runtime: "0.1.0", modelId: "kws", modelVersion: 3 },
  },
  { kind: "cmd", msg: { cmdId: 99, op: "setSmoothing", smoothing: 5 } },
  { kind: "cmd", msg: { cmdId: 100, op: "setThreshold", threshold: 0.625, keyword: "yes" } },
  { kind: "ack", msg: { cmdId: 99, ok: false, error: "smoothing out of range" } },
  {
    kind: "manifest",
    msg: {
      modelId: "kws",
      version: 4,
      size: 5000,
      sha256: sha,
      chunkSize: 1024,
      minRuntime: "0.1.0",
      threshold: 0.75,
      smoothing: 4,
      createdMs: 1_700_000_000_000,
      fleet: "plant",
      keyId: "k1",
    },
  },
  {
    kind: "otaOffer",
    msg: { manifest: [1, 10, 0, 1, 65], signature: bytesOf(64, 1) },
  },
  { kind: "otaChunk", msg: { modelId: "kws", version: 4, index: 2, data: [0, 1, 2, 255, 254] } },
  { kind: "otaReq", msg: { modelId: "kws", version: 4, received: 3, missing: [3, 4] } },
  {
    kind: "otaReport",
    msg: {
      modelId: "kws",
      version: 4,
      outcome: "badHash",
      detail: "sha mismatch",
      activeModelId: "kws",
      activeVersion: 3,
      timeMs: 1,
    },
  },
];
