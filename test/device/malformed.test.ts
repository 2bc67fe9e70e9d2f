/**
 * Malformed model files on every engine: truncated, wrong magic, garbage, and fuzzed bodies with
 * a recomputed SHA-256 (so the parser itself, not the digest, meets the damage). Every engine
 * must answer exactly as the host decoder does: the same one-line error, or (when a mutation
 * happens to leave a valid model) the same results. A crash, a hang or a different message fails.
 * The device engines run the device profile (structural checks only; the host validates before
 * sending): handed the files with no host check, they must refuse cleanly or run to the end,
 * never crash, and give the host's results for every file the host accepts.
 * Beyond decodeModel, loading also rejects what only the runtime checks (e.g. a front-end config
 * that decodes but is invalid), so the reference verdict for the other engines is the in-process
 * Node engine's; the Node engine itself is held to the host decoder: every file the decoder
 * rejects, it rejects with the decoder's own reason.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
} from "../../device/engines/native-engines";
import { EngineError } from "../../device/engines/protocol";
import { ENGINES, type EngineName, runEngine } from "../../device/engines/run";
import { buildDevice } from "../../device/tools/build";
import { syntheticBinaryModel, syntheticInt8Model } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import { testSignal } from "./golden";

const SAMPLES = testSignal(3, 2400);

function withDigest(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const body = out.length - 32;
  out.set(createHash("sha256").update(out.subarray(0, body)).digest(), body);
  return out;
}

function fuzzCases(): [string, Uint8Array][] {
  const int8 = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 2 })));
  const bin = Uint8Array.from(encodeModel(syntheticBinaryModel({ seed: 3 })));
  const rng = new Rng(99);
  const cases: [string, Uint8Array][] = [
    ["empty file", new Uint8Array(0)],
    ["truncated header", int8.slice(0, 10)],
    ["truncated body", int8.slice(0, Math.floor(int8.length / 2))],
    ["bad magic", Uint8Array.from(int8, (b, i) => (i === 0 ? 0x58 : b))],
    ["flipped bit, stale digest", Uint8Array.from(int8, (b, i) => (i === 40 ? b ^ 1 : b))],
    ["garbage", Uint8Array.from({ length: 300 }, () => rng.int(256))],
  ];
  for (let k = 0; k < 14; k++) {
    const base = k % 2 === 0 ? int8 : bin;
    const m = base.slice();
    const edits = 1 + rng.int(3);
    // Mostly the structural front part (ids, labels, shapes, op operands); weights elsewhere.
    const span = k < 10 ? Math.floor((m.length - 44) / 4) : m.length - 44;
    for (let e = 0; e < edits; e++) m[12 + rng.int(span)] = rng.int(256);
    cases.push([`fuzzed body #${k} (${k % 2 === 0 ? "int8" : "binary"})`, withDigest(m)]);
  }
  return cases;
}

/** The Node engine's verdict on `bytes`: its one-line error, or null when the model runs. */
async function nodeVerdict(bytes: Uint8Array): Promise<string | null> {
  try {
    await runEngine("node", bytes, SAMPLES);
    return null;
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return e.message;
  }
}

/** The host decoder's verdict on `bytes`: its error's reason, or null when it decodes. */
function decoderVerdict(bytes: Uint8Array): string | null {
  try {
    decodeModel(Array.from(bytes));
    return null;
  } catch (e) {
    if (!(e instanceof ModelFormatError)) throw e;
    return e.reason;
  }
}
const decodes = (bytes: Uint8Array) => decoderVerdict(bytes) === null;

/** Holds `engine` to the Node engine's verdict on `bytes`. */
async function answersAsNode(engine: EngineName, bytes: Uint8Array): Promise<void> {
  const verdict = await nodeVerdict(bytes);
  if (verdict === null) {
    // Same results; the serving table and stage timings differ between engines by design.
    const { serving: _a, stats: ra, ...ref } = await runEngine("node", bytes, SAMPLES);
    const { serving: _b, stats: rb, ...got } = await runEngine(engine, bytes, SAMPLES);
    expect(got).toEqual(ref);
    expect(rb?.inferences).toBe(ra?.inferences);
  } else {
    const run = runEngine(engine, bytes, SAMPLES);
    await expect(run).rejects.toBeInstanceOf(EngineError);
    await expect(run).rejects.toThrow(verdict);
  }
}

/**
 * A device engine's own answer to `bytes`, no host check first: the Node engine's results when
 * the host accepts the file; otherwise a clean refusal (an EngineError: the bundle's one-line
 * `X` report) or a run to the end of the audio. A crash or an exit without a report fails.
 */
async function deviceAnswers(engine: NativeEngine & EngineName, bytes: Uint8Array): Promise<void> {
  const verdict = await nodeVerdict(bytes);
  if (verdict === null) {
    const { serving: _a, stats: ra, ...ref } = await runEngine("node", bytes, SAMPLES);
    const {
      serving: _b,
      stats: rb,
      ...got
    } = await runEngine(engine, bytes, SAMPLES, {
      hostCheck: false,
    });
    expect(got).toEqual(ref);
    expect(rb?.inferences).toBe(ra?.inferences);
    return;
  }
  try {
    const r = await runEngine(engine, bytes, SAMPLES, { hostCheck: false });
    expect(r.stats?.samples).toBe(SAMPLES.length);
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
  }
  // With the host's check (the default) the host refuses it, with its reason.
  const checked = runEngine(engine, bytes, SAMPLES);
  await expect(checked).rejects.toThrow(verdict);
}

/** Device engines fast enough for the whole set: pure-JS kernels (jerryscript) and wasm3's. */
const DEVICE_FUZZ = (["jerryscript", "jerryscript-native", "wasm3"] as const).filter((e) => {
  const built = nativeEnginePath(e) !== null;
  if (!built) console.warn(missingEngineNote(e));
  return built;
});

beforeAll(() => buildDevice(), 600_000);

describe.each(fuzzCases())("%s", (_name, bytes) => {
  it("the Node engine rejects what the host decoder rejects, with its reason", async () => {
    const reason = decoderVerdict(bytes);
    const verdict = await nodeVerdict(bytes);
    if (reason !== null) expect(verdict).toContain(reason);
    else if (verdict === null) {
      const r = await runEngine("node", bytes, SAMPLES);
      expect(r.stats?.inferences).toBeGreaterThan(0);
    }
  });

  it.each(ENGINES.filter((e) => e !== "node"))("%s answers as the Node engine", (engine) =>
    answersAsNode(engine, bytes));

  it.each(
    DEVICE_FUZZ,
  )("%s (device profile) refuses cleanly or runs, and matches the host on valid files", (engine) =>
    deviceAnswers(engine, bytes));
});

it("the fuzz set mostly exercises rejections, some beyond the decoder", async () => {
  const cases = fuzzCases();
  let rejected = 0;
  let decodedButRejected = 0;
  for (const [, b] of cases) {
    if ((await nodeVerdict(b)) === null) continue;
    rejected++;
    if (decodes(b)) decodedButRejected++;
  }
  expect(rejected).toBeGreaterThanOrEqual(12);
  expect(decodedButRejected).toBeGreaterThan(0);
});
