/**
 * `earshot recipe kws12 --model res8-stream` end to end on a tiny budget (the committed speech
 * fixtures, one step per epoch, half-minute streams): float training, 8-bit QAT, export, the
 * held-out score, calibration and stream eval all take the time-causal network, and its file
 * streams; with `--model-config` (a 4-frame pool, the identity shortcut) both training steps
 * take the hyperparameters and the file streams at 80 ms. Also the refusals: a --model the
 * recipe cannot take, a bad --model-config, and a working folder rerun with another network.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planRows } from "../../device/runtime/incremental";
import { loadDetector } from "../../device/runtime/load";
import { plainMemory } from "../../device/runtime/memory";
import { readWav } from "../../host/data";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodeModel } from "../../shared/model-format/decode";
import { prepareModel } from "../../shared/model-format/prepare";
import {
  type DeviceModel,
  OP_AVG_POOL2D,
  OP_CONV2D,
  OP_DEPTHWISE_CONV2D,
  PAD_VALID,
  PAD_VALID_H_SAME_W,
} from "../../shared/model-format/types";
import { earshot, makeNoise, RUN_LIMIT_MS, tinyRecipe } from "./recipe-cli";

const root = mkdtempSync(join(tmpdir(), "earshot-kws12-stream-"));
const noise = join(root, "noise");
const out = join(root, "run");
const recipe = (extra: string[], dir = out) => tinyRecipe(dir, noise, extra);

beforeAll(() => makeNoise(noise));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Raw scores of every inference of the device runtime in process, and whether it streamed. */
function run(bytes: Uint8Array, samples: Float32Array, streaming: boolean, incremental: boolean) {
  const det = loadDetector(
    Array.from(bytes),
    referenceKernels,
    plainMemory,
    () => 0,
    null,
    streaming,
    incremental,
  );
  const out: number[][] = [];
  det.onScores((raw) => out.push(raw.slice()));
  const x = Array.from(samples);
  for (let i = 0; i < x.length; i += 320) det.push(x, i, Math.min(320, x.length - i));
  return { out, streamed: det.incremental !== null };
}

/**
 * `bytes` (decoded: `model`) is exported at `stride` and streams there: over 2 s of the run's own
 * test stream, by rows, the same scores as the whole-window reference.
 */
function streamsAt(model: DeviceModel, bytes: Uint8Array, dir: string, stride: number): void {
  expect(model.meta.find((m) => m.key === "strideFrames")?.value).toBe(stride);
  expect(planRows(model, prepareModel(model), stride).problem).toBe("");
  const samples = readWav(join(dir, "stream-test.wav")).samples.subarray(0, 2 * 16000);
  const rows = run(bytes, samples, true, true);
  expect(rows.streamed).toBe(true);
  expect(rows.out.length).toBeGreaterThan(5);
  expect(rows.out).toEqual(run(bytes, samples, false, false).out);
}

it("refuses a --model the recipe cannot take, naming the choices, in one line", () => {
  const r = earshot(["recipe", "kws12", "--out", join(root, "x"), "--model", "ds-cnn-s"]);
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim()).toMatch(
    /^earshot: --model must be one of res8-narrow, res8-stream, ds-stream: .* \(got 'ds-cnn-s'\)$/,
  );
  const bin = earshot(recipe(["--variant", "binary", "--model", "res8-stream"]));
  expect(bin.status).not.toBe(0);
  expect(bin.stderr.trim()).toMatch(/--variant binary always trains res8-bin$/);
  expect(existsSync(out)).toBe(false);
});

describe("--model res8-stream", () => {
  let summary: { model: string; network: string; steps: { step: string }[] };

  it(
    "trains, quantizes, exports, scores, calibrates and evaluates the time-causal network",
    () => {
      const r = earshot(recipe(["--model", "res8-stream"]));
      expect(r.status, r.stderr).toBe(0);
      summary = JSON.parse(r.stdout);
      expect(summary.network).toBe("res8-stream");
      expect(summary.model).toBe(join(out, "kws12-int8-stream.esm"));
      expect(summary.steps.map((s) => s.step)).toContain("train res8-stream (float)");
      // Both training steps built res8-stream (QAT too: --from alone would take the recipe's model).
      for (const dir of ["float", "qat"])
        expect(JSON.parse(readFileSync(join(out, dir, "config.json"), "utf8")).model).toBe(
          "res8-stream",
        );
      // Calibration and stream eval ran the device runtime stride by stride, on fewer MACs.
      const macs = JSON.parse(readFileSync(join(out, "reports", "inspect.json"), "utf8")).totals
        .macs;
      for (const report of ["calibrate", "det"]) {
        const perStride = JSON.parse(
          readFileSync(join(out, "reports", `${report}.json`), "utf8"),
        ).streamingMacsPerStride;
        expect(perStride).toBeGreaterThan(0);
        expect(perStride).toBeLessThan(macs / 2);
      }
    },
    RUN_LIMIT_MS,
  );

  it("its file pads only along frequency and streams bit-exact with the whole-window run", () => {
    const bytes = new Uint8Array(readFileSync(summary.model));
    const model = decodeModel(Array.from(bytes));
    const convs = model.ops.filter((o) => o.code === OP_CONV2D);
    expect(convs.length).toBeGreaterThan(0);
    for (const c of convs) expect(c.attrs[2]).toBe(PAD_VALID_H_SAME_W);
    const stride = model.meta.find((m) => m.key === "strideFrames")?.value;
    expect(stride).toBe(10);
    expect(planRows(model, prepareModel(model), stride as number).problem).toBe("");
    // 2 s of the recipe's own test stream: 11 inferences, the first whole, then by rows.
    const samples = readWav(join(out, "stream-test.wav")).samples.subarray(0, 2 * 16000);
    const rows = run(bytes, samples, true, true);
    const whole = run(bytes, samples, true, false);
    const reference = run(bytes, samples, false, false);
    expect(rows.streamed).toBe(true);
    expect(whole.streamed).toBe(false);
    expect(rows.out.length).toBeGreaterThan(5);
    expect(rows.out).toEqual(whole.out);
    expect(rows.out).toEqual(reference.out);
  });

  it("a rerun of its folder with another network is refused before any step", () => {
    expect(existsSync(join(out, "float", "config.json"))).toBe(true);
    const r = earshot(recipe([]));
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      `earshot: ${out} holds a res8-stream run, not res8-narrow: rerun with --model res8-stream to continue it, or use another --out`,
    );
  });
});

describe("--model ds-stream", () => {
  const dir = join(root, "ds");

  it(
    "trains the depthwise-separable causal network, whose file pads only along frequency and streams bit-exact",
    () => {
      // Ten steps per epoch: after one step the BN statistics are still those of the
      // initialization and the ReLUs behind them can all be off, which leaves nothing to calibrate.
      // biome-ignore format: flag list
      const r = earshot(recipe(["--model", "ds-stream", "--epochs", "2", "--steps-per-epoch", "10"], dir));
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { model: string; network: string };
      expect(summary.network).toBe("ds-stream");
      expect(summary.model).toBe(join(dir, "kws12-int8-ds-stream.esm"));
      for (const step of ["float", "qat"])
        expect(JSON.parse(readFileSync(join(dir, step, "config.json"), "utf8")).model).toBe(
          "ds-stream",
        );
      const bytes = new Uint8Array(readFileSync(summary.model));
      const model = decodeModel(Array.from(bytes));
      // The stem and four 3 x 3 depthwise convs pad frequency only; the 1 x 1 pointwise convs need none.
      const threeByThree = model.ops.filter(
        (o) =>
          (o.code === OP_CONV2D || o.code === OP_DEPTHWISE_CONV2D) &&
          model.tensors[o.inputs[1]].shape[1] === 3,
      );
      expect(threeByThree.map((o) => o.code)).toEqual([
        OP_CONV2D,
        ...Array(4).fill(OP_DEPTHWISE_CONV2D),
      ]);
      for (const c of threeByThree) expect(c.attrs[2]).toBe(PAD_VALID_H_SAME_W);
      streamsAt(model, bytes, dir, 10);
    },
    RUN_LIMIT_MS,
  );
});

describe("--model res8-stream --model-config", () => {
  const dir = join(root, "crop");
  const config = { pool: [4, 3], skip: "crop" };

  it("refuses a malformed or unknown --model-config, and one for the binary variant, in one line", () => {
    const cases: [string[], RegExp][] = [
      [["--model-config", "{pool"], /^earshot: --model-config: .*JSON/],
      [
        ["--model-config", "[1]"],
        /^earshot: --model-config expects a JSON object \(got '\[1\]'\)$/,
      ],
      [
        ["--model", "res8-stream", "--model-config", '{"kernel":5}'],
        /^earshot: res8-stream has no hyperparameter kernel \(it has: filters, blocks, pool, skip, head\)$/,
      ],
      [
        ["--model", "res8-stream", "--model-config", '{"skip":"none"}'],
        /^earshot: res8-stream: skip "none" is not one of pool, crop$/,
      ],
      [["--variant", "binary", "--model-config", "{}"], /binary variant's res8-bin is fixed$/],
    ];
    for (const [extra, want] of cases) {
      const r = earshot(recipe(extra, dir));
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim()).toMatch(want);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it(
    "trains both steps with it and exports a file that streams at a stride its pool divides",
    () => {
      const r = earshot(
        recipe(["--model", "res8-stream", "--model-config", JSON.stringify(config)], dir),
      );
      expect(r.status, r.stderr).toBe(0);
      const file = JSON.parse(r.stdout).model as string;
      for (const step of ["float", "qat"]) {
        const c = JSON.parse(readFileSync(join(dir, step, "config.json"), "utf8"));
        expect(c.modelConfig).toEqual(config);
      }
      const bytes = new Uint8Array(readFileSync(file));
      const model = decodeModel(Array.from(bytes));
      // Three blocks, each with its shortcut as a 5 x 1 identity depthwise conv, no 5 x 1 pool.
      const crops = model.ops.filter(
        (o) =>
          o.code === OP_DEPTHWISE_CONV2D &&
          o.attrs[2] === PAD_VALID &&
          model.tensors[o.inputs[1]].shape[0] === 5,
      );
      expect(crops).toHaveLength(3);
      expect(model.ops.some((o) => o.code === OP_AVG_POOL2D && o.attrs[0] === 5)).toBe(false);
      streamsAt(model, bytes, dir, 8);
    },
    RUN_LIMIT_MS,
  );
});
