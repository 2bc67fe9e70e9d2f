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
import { importTfliteFile } from "../../host/interop/tflite/import-file";
import { readTflite, type TfliteModel } from "../../host/interop/tflite/schema";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/config";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import {
  filterBankTables,
  pcanGainLut,
  windowWeights,
} from "../../shared/features/tflm-micro/tables";
import { decodeModel } from "../../shared/model-format/decode";
import { KERNEL_IMPLEMENTATIONS } from "../kernels/implementations";

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

  it("imports micro_speech and gives TFLM's labels on its test clips on every kernel implementation", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "earshot-tflite-")), "micro_speech.esm");
    const r = await importTfliteFile(join(PEER, "micro_speech_quantized.tflite"), out, {
      labels: ["silence", "unknown", "yes", "no"],
    });
    expect(r.input).toEqual([49, 40, 1]);
    const model = decodeModel(Array.from(readFileSync(out)));
    const q = model.tensors[model.ops[0].outputs[0]];
    const fe = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH);
    const expected: [string, string][] = [
      ["yes_1000ms", "yes"],
      ["no_1000ms", "no"],
      ["noise_1000ms", "silence"],
      ["silence_1000ms", "silence"],
    ];
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
      expect(runs[0].r.layers[0].values).toEqual(feats.data);
      for (const { name, r: run } of runs) {
        expect(
          run.layers.map((l) => l.values),
          `${clip} on ${name}`,
        ).toEqual(runs[0].r.layers.map((l) => l.values));
        const best = run.output.indexOf(Math.max(...run.output));
        expect(model.labels[best], `${clip} on ${name}`).toBe(label);
      }
    }
  }, 120_000);
});
