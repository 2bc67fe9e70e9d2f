/**
 * The TFLM micro_speech peer: its int8 model imported and run on every earshot kernel
 * implementation (bit-identical layer outputs), on features from the TFLM micro front end
 * preset, gives TFLM's labels on its four test clips; the preset's tables and integer settings
 * equal the ones inside TFLM's own audio preprocessor model. Reads ../shared/peers (never
 * committed); skips loudly without it.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { IntEvaluator } from "../../host/compress/int-eval";
import { readWav } from "../../host/data/wav/read";
import { readFlexRoot } from "../../host/interop/tflite/flexbuffer";
import { importTflite } from "../../host/interop/tflite/import";
import { importTfliteFile } from "../../host/interop/tflite/import-file";
import { readTflite, type TfliteModel } from "../../host/interop/tflite/schema";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/presets";
import {
  filterBankTables,
  pcanGainLut,
  windowWeights,
} from "../../shared/features/tflm-micro/tables";
import { decodeModel } from "../../shared/model-format/decode";
import { opName } from "../../shared/model-format/prepare";
import { KERNEL_IMPLEMENTATIONS } from "../kernels/implementations";
import { tflmReferenceRun } from "./tflm-reference";

const PEER = resolve(
  process.env.EARSHOT_PEERS_DIR ?? resolve(import.meta.dirname, "../../../shared/peers"),
  "tflm-micro-speech",
);
const NEEDS_PEERS = "[needs ../shared/peers]";
const have = existsSync(PEER);

function int16s(m: TfliteModel, name: string): number[] {
  const t = m.tensors.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no tensor ${name}`);
  const b = m.buffers[t.buffer];
  return Array.from(new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
}

describe.skipIf(!have)(`TFLM micro_speech peer ${NEEDS_PEERS}`, () => {
  it("the front end preset's tables and settings are those of TFLM's int8 audio preprocessor", () => {
    const pre = readTflite(
      new Uint8Array(readFileSync(join(PEER, "audio_preprocessor_int8.tflite"))),
    );
    const c = TFLM_MICRO_SPEECH;
    const fb = filterBankTables(c);
    expect(windowWeights(c)).toEqual(int16s(pre, "Const"));
    expect(fb.weights).toEqual(int16s(pre, "signal_filter_bank/Const"));
    expect(fb.unweights).toEqual(int16s(pre, "signal_filter_bank/Const_1"));
    expect(fb.frequencyStarts).toEqual(int16s(pre, "signal_filter_bank/Const_2"));
    expect(fb.weightStarts).toEqual(int16s(pre, "signal_filter_bank/Const_3"));
    expect(fb.widths).toEqual(int16s(pre, "signal_filter_bank/Const_4"));
    expect(pcanGainLut(c)).toEqual(int16s(pre, "signal_pcan/Const"));
    const opts = new Map(
      pre.operators
        .filter((o) => o.customOptions)
        .map((o) => [o.name, readFlexRoot(o.customOptions as Uint8Array)]),
    );
    expect(opts.get("CUSTOM(SignalWindow)")).toEqual({ shift: c.windowShift });
    expect(opts.get("CUSTOM(SignalRfft)")).toMatchObject({ fft_length: c.fftSize });
    expect(opts.get("CUSTOM(SignalEnergy)")).toEqual({
      start_index: fb.startIndex,
      end_index: fb.endIndex,
    });
    expect(opts.get("CUSTOM(SignalFilterBankSpectralSubtraction)")).toMatchObject({
      smoothing: c.evenSmoothing,
      one_minus_smoothing: 2 ** c.spectralSubtractionBits - c.evenSmoothing,
      alternate_smoothing: c.oddSmoothing,
      alternate_one_minus_smoothing: 2 ** c.spectralSubtractionBits - c.oddSmoothing,
      min_signal_remaining: c.minSignalRemaining,
      smoothing_bits: c.smoothingBits,
      clamping: false,
    });
    expect(opts.get("CUSTOM(SignalPCAN)")).toEqual({
      snr_shift: c.pcanGainBits - c.inputCorrectionBits - 12,
    });
    expect(opts.get("CUSTOM(SignalFilterBankLog)")).toEqual({
      input_correction_bits: c.inputCorrectionBits,
      output_scale: c.logOutputScale,
    });
  });

  it("imports micro_speech and gives TFLM's labels on its test clips on every kernel implementation, bit-exact with TFLM's reference kernels", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "earshot-tflite-")), "micro_speech.esm");
    const file = join(PEER, "micro_speech_quantized.tflite");
    const r = await importTfliteFile(file, out, { labels: ["silence", "unknown", "yes", "no"] });
    expect(r.input).toEqual([49, 40, 1]);
    const model = decodeModel(Array.from(readFileSync(out)));
    expect(model.ops.map((o) => opName(o.code))).toEqual([
      "quantize",
      "depthwise_conv2d",
      "tflm_requantize",
      "dense",
      "tflm_requantize",
      "softmax",
    ]);
    const tfl = readTflite(new Uint8Array(readFileSync(file)));
    const fused = importTflite(tfl, { labels: model.labels, rounding: "earshot" });
    const q = model.tensors[model.ops[0].outputs[0]];
    const fe = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH);
    const expected: [string, string][] = [
      ["yes_1000ms", "yes"],
      ["no_1000ms", "no"],
      ["noise_1000ms", "silence"],
      ["silence_1000ms", "silence"],
    ];
    let fusedDiffs = 0;
    let compared = 0;
    for (const [clip, label] of expected) {
      const wav = readWav(join(PEER, "testdata", `${clip}.wav`));
      const feats = fe.extract(Array.from(wav.samples, (x) => Math.round(x * 32768)));
      expect(feats.frames).toBe(49);
      // Real values whose quantization gives back the int8 features exactly.
      const input = feats.data.map((v) => (v - q.zeroPoint) * q.scales[0]);
      const runs = KERNEL_IMPLEMENTATIONS.map((impl) => ({
        name: impl.name,
        r: new IntEvaluator(model, impl.kernels).run(input, true),
      }));
      const layers = runs[0].r.layers;
      expect(layers[0].values).toEqual(feats.data);
      // TFLM's reference kernels on the .tflite itself: depthwise conv and fully connected outputs.
      const ref = tflmReferenceRun(tfl, feats.data);
      expect(layers[2].values, `${clip} depthwise`).toEqual(ref[1]);
      expect(layers[4].values, `${clip} fully connected`).toEqual(ref[2]);
      for (const { name, r: run } of runs) {
        expect(
          run.layers.map((l) => l.values),
          `${clip} on ${name}`,
        ).toEqual(layers.map((l) => l.values));
        const best = run.output.indexOf(Math.max(...run.output));
        expect(model.labels[best], `${clip} on ${name}`).toBe(label);
      }
      // earshot's single rounding, for the record: how many int8 values move.
      const f = new IntEvaluator(fused).run(input, true).layers;
      for (const [a, b] of [
        [f[1].values, ref[1]],
        [f[2].values, ref[2]],
      ]) {
        compared += a.length;
        fusedDiffs += a.filter((v, i) => v !== b[i]).length;
      }
    }
    console.log(
      `micro_speech, earshot single rounding vs TFLM: ${fusedDiffs} of ${compared} int8 values differ`,
    );
    expect(fusedDiffs).toBeLessThan(compared / 50);
  }, 120_000);
});
