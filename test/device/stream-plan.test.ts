/**
 * Stream plans (device/runtime/run-plan.ts StreamPlan): the host records the streaming runner's
 * stride program (device/engines/image-plan.ts recordStreamPlan), the device image carries it,
 * and the planned streaming bundle's runner (device/targets/es5/image/stream-runner.ts)
 * replays it, priming by strides over the first window instead of a whole-window run. Here
 * the runtime's own runner and the replay run side by side on Node with the reference kernels,
 * fed the same frames: the same scores bit for bit at every inference. The engines run the
 * bundle in test/device/image-engines.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deviceImage, plannedImage, recordStreamPlan } from "../../device/engines/image-plan";
import { lookup } from "../../device/runtime/frontend-config";
import { IncrementalRunner, planRows } from "../../device/runtime/incremental";
import { deviceElementBytes, Interpreter } from "../../device/runtime/interpreter";
import type { TensorMemory } from "../../device/runtime/memory";
import { ARG_BUFFER, type PlannedModel, type StreamPlan } from "../../device/runtime/run-plan";
import { FrameWindow } from "../../device/runtime/stream/frame-window";
import { Interpreter as StreamInterpreter } from "../../device/targets/es5/image/stream-interpreter";
import { withStreamPlan } from "../../device/targets/es5/image/stream-load";
import {
  IncrementalRunner as PlannedRunner,
  planRows as plannedRows,
} from "../../device/targets/es5/image/stream-runner";
import { typedMemory } from "../../device/targets/es5/native";
import { syntheticStreamModel } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodeModel, decodePrepared } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { readDeviceImage } from "../../shared/model-format/image-read";
import type { DeviceModel } from "../../shared/model-format/types";

const shipped = (name: string) =>
  Array.from(readFileSync(join(__dirname, "../../models", name)) as Uint8Array);

/** [what, model bytes, strides it streams at] */
const CASES: [string, number[], number[]][] = [
  // 23 frames: the pool floors and leaves the input's last frame unread (tail 1).
  ["int8, a frame unread", encodeModel(syntheticStreamModel({ seed: 31 })), [2, 4]],
  [
    "export-like (batch norms, input normalization)",
    encodeModel(syntheticStreamModel({ seed: 32, exportLike: true })),
    [2, 4],
  ],
  ["4-bit weights", encodeModel(syntheticStreamModel({ seed: 33, weightBits: 4 })), [2]],
  [
    "3 x 2 pool, odd stride",
    encodeModel(syntheticStreamModel({ seed: 34, frames: 30, pool: [3, 2] })),
    [3],
  ],
  [
    "depthwise-separable blocks (ds-stream's shape)",
    encodeModel(syntheticStreamModel({ seed: 35, blockKind: "ds", channels: 12, blocks: 3 })),
    [2, 4],
  ],
];

/** The model of `bytes`'s device image recorded at `stride`, its constants in `memory`. */
function imageModel(bytes: number[], stride: number, memory: TensorMemory): DeviceModel {
  const { model, rows, plan } = readDeviceImage(
    Array.from(deviceImage(bytes, stride)),
    memory.constantStorage,
  );
  withStreamPlan(model, rows, plan);
  return model;
}

const streamPlanOf = (m: DeviceModel) => (m as unknown as PlannedModel).plan?.stream ?? null;

/**
 * Quantized frames for both runners' windows, and every inference's scores from each: the
 * runtime's runner (primed by a whole-window run) and the replayed stride program (primed by
 * strides), inference by inference as the detector makes them.
 */
function runBoth(bytes: number[], stride: number, frames: number) {
  const pm = decodePrepared(bytes);
  const mem = typedMemory({}, false, true);
  const it = new Interpreter(pm.model, referenceKernels, mem, pm.ops, { streaming: true });
  const rows = planRows(pm.model, pm.ops, stride);
  expect(rows.problem).toBe("");
  const runner = new IncrementalRunner(pm.model, pm.ops, rows, it, mem);
  const memB = typedMemory({}, false, true);
  const model = imageModel(bytes, stride, memB);
  const itB = new StreamInterpreter(model, referenceKernels, memB, null, { streaming: true });
  const planned = new PlannedRunner(
    model,
    [],
    plannedRows(model, [], stride),
    itB as unknown as Interpreter,
    memB,
  );
  const input = pm.model.tensors[pm.model.input].shape;
  const [windowFrames, coeffs] = [input[0], input[1] * (input[2] ?? 1)];
  const qType = pm.model.tensors[pm.ops[0].outputs[0]].dtype;
  const windows = [mem, memB].map(
    (m) => new FrameWindow(windowFrames, coeffs, m, m.buffer(windowFrames * coeffs, qType)),
  );
  const rng = new Rng(stride * 7 + frames);
  const frame = mem.buffer(coeffs, qType);
  const a: number[][] = [];
  const b: number[][] = [];
  let since = 0;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < coeffs; i++) frame[i] = rng.int(256) - 128;
    for (const w of windows) w.push(frame);
    since++;
    if (!windows[0].full() || since < stride) continue;
    since = 0;
    if (a.length === 0) {
      a.push(Array.from(runner.prime(it, windows[0], referenceKernels)));
      b.push(
        Array.from(planned.prime(itB as unknown as Interpreter, windows[1], referenceKernels)),
      );
      continue;
    }
    windows[0].copyFrames(runner.input, runner.inputFirstFrame, stride);
    runner.step(referenceKernels);
    a.push(Array.from(runner.scores));
    windows[1].copyFrames(planned.input, planned.inputFirstFrame, stride);
    planned.step(referenceKernels);
    b.push(Array.from(planned.scores));
  }
  return { a, b, runner, planned };
}

describe("stream plans replayed (image/stream-runner.ts)", () => {
  for (const [what, bytes, strides] of CASES) {
    it.each(strides)(`${what}: the runtime's scores bit for bit at stride %i`, (stride) => {
      const { a, b, runner, planned } = runBoth(bytes, stride, 80);
      expect(a.length).toBeGreaterThan(10);
      // Inputs that move the scores: a replay that ignored its state would differ.
      expect(new Set(a.map((s) => s.join())).size).toBeGreaterThan(3);
      expect(b).toEqual(a);
      expect(planned.macsPerStride).toBe(runner.macsPerStride);
      expect(planned.inputFirstFrame).toBe(runner.inputFirstFrame);
    });
  }

  it("refuses another stride, an image without a stride program, and whole-window runs", () => {
    const mem = typedMemory({}, false, true);
    const model = imageModel(CASES[0][1], 2, mem);
    expect(() => plannedRows(model, [], 4)).toThrow(
      /streams at a stride of 2 frames only, not 4: send an image recorded at that stride/,
    );
    const it = new StreamInterpreter(model, referenceKernels, mem, null, { streaming: true });
    expect(() => it.invoke()).toThrow(/runs streaming inference only/);
    expect(
      () => new StreamInterpreter(model, referenceKernels, mem, null, { streaming: false }),
    ).toThrow(/device mode only/);
    // The shipped models pad along time: their images carry no stride program.
    const padded = imageModel(shipped("kws12-int8.esm"), 10, mem);
    expect(streamPlanOf(padded)).toBeNull();
    expect(
      () => new StreamInterpreter(padded, referenceKernels, mem, null, { streaming: true }),
    ).toThrow(/no streaming plan/);
  });
});

describe("recordStreamPlan (device/engines/image-plan.ts)", () => {
  const bytes = CASES[1][1];

  it("records state buffers and constants only: no whole-window arena", () => {
    const plan = recordStreamPlan(decodePrepared(bytes), 2) as StreamPlan;
    expect(plan).not.toBeNull();
    expect(plan.strideFrames).toBe(2);
    const kinds = plan.lists.map((l) => l[1] as string).join("");
    expect(kinds).toMatch(new RegExp(ARG_BUFFER));
    expect(kinds).not.toMatch(/v/);
    expect(plan.lists.some((l) => l[0] === "shift")).toBe(true);
    expect(plan.stateBytes).toBe(
      plan.buffers.reduce((s, [n, dtype]) => s + n * deviceElementBytes(dtype), 0),
    );
    expect(plan.buffers[plan.input][0]).toBe(2 * 10);
  });

  it("is null where the model does not stream at the stride", () => {
    expect(recordStreamPlan(decodePrepared(bytes), 3)).toBeNull();
    expect(recordStreamPlan(decodePrepared(shipped("kws12-int8.esm")), 10)).toBeNull();
  });

  it("an image recorded at another stride starts the device at it", () => {
    const model = decodeModel(bytes);
    const own = lookup(model.meta, "strideFrames", 1);
    const other = own === 2 ? 4 : 2;
    const image = plannedImage(bytes, other);
    expect(image.streams).toBe(true);
    const read = readDeviceImage(Array.from(image.bytes), typedMemory().constantStorage);
    expect(lookup(read.model.meta, "strideFrames", 1)).toBe(other);
    expect((read.plan as { stream: StreamPlan }).stream.strideFrames).toBe(other);
    expect(plannedImage(bytes, 3).streams).toBe(false);
  });
});
