/**
 * Streaming inference (device/runtime/incremental.ts): a time-causal model run stride by
 * stride gives the whole-window run's bits, in process and on the device engines; models it
 * cannot stream are named and run whole.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { missingEngineNote, nativeEnginePath } from "../../device/engines/native-engines";
import { runEngine } from "../../device/engines/run";
import { Detector } from "../../device/runtime/detector";
import { planRows } from "../../device/runtime/incremental";
import { Interpreter } from "../../device/runtime/interpreter";
import { plainMemory } from "../../device/runtime/memory";
import { buildDevice } from "../../device/tools/build";
import {
  syntheticConvPoolModel,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { referenceKernels } from "../../shared/kernels/reference";
import { encodeModel } from "../../shared/model-format/encode";
import { prepareModel } from "../../shared/model-format/prepare";
import { type DeviceModel, OP_CONV2D } from "../../shared/model-format/types";
import { testSignal } from "./golden";

// 0.75 s: 73 frames; a 23-frame window at stride 4 gives 13 inferences (1 whole, 12 by rows).
const SAMPLES = testSignal(3, 12000);

/** Raw scores of every inference, and the detector (to see which path ran). */
function scores(model: DeviceModel, incremental: boolean, stride = 0) {
  const det = new Detector(
    model,
    referenceKernels,
    plainMemory,
    () => 0,
    null,
    null,
    true,
    incremental,
  );
  if (stride > 0) det.configure({ ...det.getSettings(), strideFrames: stride });
  const out: number[][] = [];
  det.onScores((raw) => out.push(raw.slice()));
  const x = Array.from(SAMPLES, (v) => v / 32768);
  for (let i = 0; i < x.length; i += 333) det.push(x, i, Math.min(333, x.length - i));
  return { out, det };
}

const CASES: [string, DeviceModel][] = [
  ["int8, logits out", syntheticStreamModel({ seed: 2, logits: true })],
  ["int8, softmax", syntheticStreamModel({ seed: 3 })],
  // As exported: 1 x 1 depthwise batch norms between the rows, input normalization per frame.
  ["int8, export-like", syntheticStreamModel({ seed: 6, exportLike: true })],
  // 4-row pool (stride 8): 31 frames leave the newest frame unused (a tail).
  [
    "4-bit, 4x2 pool, stride 8",
    syntheticStreamModel({
      seed: 4,
      frames: 31,
      weightBits: 4,
      pool: [4, 2],
      blocks: 1,
      strideFrames: 8,
    }),
  ],
];

describe.each(CASES)("%s", (_name, model) => {
  it("plans rows for the whole graph", () => {
    const stride = model.meta.find((m) => m.key === "strideFrames")?.value ?? 1;
    const plan = planRows(model, prepareModel(model), stride);
    expect(plan.problem).toBe("");
  });

  it("stride by stride gives the whole-window scores bit for bit, with fewer MACs", () => {
    const whole = scores(model, false);
    const rows = scores(model, true);
    expect(whole.det.incremental).toBeNull();
    const inc = rows.det.incremental;
    expect(inc).not.toBeNull();
    expect(rows.out.length).toBeGreaterThan(4);
    expect(rows.out).toEqual(whole.out);
    const macs = new Interpreter(model, referenceKernels, plainMemory).macs[0];
    expect(inc?.macsPerStride).toBeLessThan(macs);
  });

  it("replans when the stride changes (and stays bit-exact)", () => {
    const whole = scores(model, false, 2);
    const rows = scores(model, true, 2);
    expect(rows.det.incremental?.strideFrames ?? 2).toBe(2);
    expect(rows.out).toEqual(whole.out);
  });
});

it("names why a model does not stream, and runs it whole", () => {
  for (const model of [syntheticInt8Model({ seed: 1 }), syntheticConvPoolModel({ seed: 1 })]) {
    const plan = planRows(model, prepareModel(model), 2);
    expect(plan.problem).toMatch(/pads along time/);
    const { det } = scores(model, true, 2);
    expect(det.incremental).toBeNull();
    expect(det.incrementalProblem).toMatch(/pads along time/);
  }
  const odd = syntheticStreamModel({ seed: 1 });
  expect(planRows(odd, prepareModel(odd), 3).problem).toMatch(/stride does not divide the rows/);
});

describe("device engines", () => {
  beforeAll(() => buildDevice(), 600_000);
  // Export-like (batch norms as 1 x 1 depthwise convs, input normalization): the native hosts
  // normalize in their front end (direct mode) and run the int8 depthwise kernel.
  const model = syntheticStreamModel({ seed: 5, exportLike: true });
  const bytes = Uint8Array.from(encodeModel(model));

  // The device engines deploy/engines.sh built (missing ones are named and skipped).
  const built = (["jerryscript-native", "wasm3", "espruino-native"] as const).filter((e) => {
    if (nativeEnginePath(e) !== null) return true;
    console.warn(missingEngineNote(e));
    return false;
  });

  it.each([
    "node",
    "duk",
    "lua",
    "duktape-host",
    ...built,
  ] as const)("%s: streaming inference on, off and the float reference agree", async (engine) => {
    const on = await runEngine(engine, bytes, SAMPLES, { threshold: 0 });
    const off = await runEngine(engine, bytes, SAMPLES, { threshold: 0, incremental: false });
    const ref = await runEngine(engine, bytes, SAMPLES, { threshold: 0, streaming: false });
    expect(on.streamingMacsPerStride).toBeGreaterThan(0);
    expect(off.streamingMacsPerStride).toBeUndefined();
    // The hosts with programs run each stride as one (TensorMemory.program); the rest from JS.
    const programs = (built as readonly string[]).includes(engine);
    if (programs) expect(on.stats?.programSteps[1]).toBeGreaterThan(0);
    else expect(on.stats?.programSteps).toEqual([0, 0]);
    expect(off.stats?.programSteps[1]).toBe(0);
    expect(on.scores.length).toBeGreaterThan(4);
    expect(on.scores).toEqual(ref.scores);
    expect(off.scores).toEqual(ref.scores);
    expect(on.events).toEqual(ref.events);
  }, 120_000);

  it.each([
    "duk",
    "lua",
    ...built,
  ] as const)("%s refuses an unknown padding mode without a host check", async (engine) => {
    const bad = structuredClone(model);
    const conv = bad.ops.findIndex((o) => o.code === OP_CONV2D);
    bad.ops[conv].attrs[2] = 3;
    await expect(
      runEngine(engine, Uint8Array.from(encodeModel(bad)), SAMPLES, { hostCheck: false }),
    ).rejects.toThrow(/padding/);
  }, 120_000);
});
