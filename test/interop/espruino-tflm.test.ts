/**
 * The TFLM peer in the same engine: Espruino's Linux build carries TensorFlow Lite Micro
 * (`require("tensorflow")`). On micro_speech and the four peer clips, with the same int8
 * features from the TFLM micro front end preset, Espruino's TFLM and earshot's import agree byte
 * for byte on the int8 tensors both expose: the depthwise layer's output and the logits (the
 * .tflite cut after those ops), and on the label of the full model's int8 softmax output (whose
 * bytes earshot does not produce: its softmax is Q15). Needs an Espruino Linux binary
 * (deploy/engines.sh's build, or EARSHOT_ESPRUINO) and ../shared/peers;
 * skips loudly without them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nativeEnginePath } from "../../device/engines/native-engines";
import { IntEvaluator } from "../../host/compress/int-eval";
import { readWav } from "../../host/data/wav/read";
import { importTflite } from "../../host/interop/tflite/import";
import { readTflite, type TfliteModel } from "../../host/interop/tflite/schema";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/presets";
import { i8, i32, table } from "./flatbuffer-builder";
import { buildTflite, type TOp, type TTensor } from "./tflite-model";

const ROOT = resolve(import.meta.dirname, "../..");
const ESPRUINO = process.env.EARSHOT_ESPRUINO
  ? resolve(process.env.EARSHOT_ESPRUINO)
  : (nativeEnginePath("espruino") ?? "");
const PEER = resolve(ROOT, "../shared/peers/tflm-micro-speech");
const have = ESPRUINO !== "" && existsSync(ESPRUINO) && existsSync(PEER);
const CLIPS: [string, string][] = [
  ["yes_1000ms", "yes"],
  ["no_1000ms", "no"],
  ["noise_1000ms", "silence"],
  ["silence_1000ms", "silence"],
];
const LABELS = ["silence", "unknown", "yes", "no"];

/** The model re-serialized with its first `nOps` ops and `output` as the graph output. */
function cut(m: TfliteModel, nOps: number, output: number): Uint8Array {
  const tensors: TTensor[] = m.tensors.map((t) => {
    const b = m.buffers[t.buffer];
    const data =
      b && b.length > 0
        ? t.type === 9
          ? Array.from(new Int8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)))
          : Array.from(new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)))
        : undefined;
    return {
      name: t.name,
      shape: t.shape,
      type: t.type,
      scale: t.quant?.scale,
      zeroPoint: t.quant?.zeroPoint,
      dim: t.quant?.quantizedDimension,
      data,
    };
  });
  // Only the tensors the kept ops touch (TFLM's planner refuses tensors nothing computes).
  const kept = m.operators.slice(0, nOps);
  const used = [
    ...new Set([...m.inputs, output, ...kept.flatMap((o) => [...o.inputs, ...o.outputs])]),
  ]
    .filter((i) => i >= 0)
    .sort((a, b) => a - b);
  const at = (i: number) => (i < 0 ? i : used.indexOf(i));
  const ops: TOp[] = kept.map((o) => {
    const opt = o.options;
    let options: ReturnType<typeof table> | undefined;
    if (o.name === "DEPTHWISE_CONV_2D" && opt)
      options = table(
        i8(opt.i8(0, 0)),
        i32(opt.i32(1, 1)),
        i32(opt.i32(2, 1)),
        i32(opt.i32(3, 1)),
        i8(opt.i8(4, 0)),
      );
    if (o.name === "FULLY_CONNECTED" && opt) options = table(i8(opt.i8(0, 0)));
    return { builtin: o.builtin, inputs: o.inputs.map(at), outputs: o.outputs.map(at), options };
  });
  return buildTflite(
    used.map((i) => tensors[i]),
    ops,
    m.inputs.map(at),
    [at(output)],
  );
}

/** Runs each feature set through Espruino's TFLM on `model`; the int8 output per input. */
function espruinoRun(model: Uint8Array, inputs: number[][]): number[][] {
  const js = `var tf = require("tensorflow").create(40000, E.toFlatString(atob("${Buffer.from(model).toString("base64")}")));
var ins = ${JSON.stringify(inputs)};
for (var k = 0; k < ins.length; k++) {
  var inp = tf.getInput();
  for (var i = 0; i < ins[k].length; i++) inp[i] = ins[k][i];
  tf.invoke();
  var o = tf.getOutput(); var a = [];
  for (var i = 0; i < o.length; i++) a.push(o[i]);
  print("OUT " + JSON.stringify(a));
}
`;
  const file = join(mkdtempSync(join(tmpdir(), "earshot-espruino-")), "tflm.js");
  writeFileSync(file, js);
  const out = execFileSync(ESPRUINO, [file], { input: "", encoding: "utf8", timeout: 120_000 });
  return out
    .split("\n")
    .filter((l) => l.startsWith("OUT "))
    .map((l) => JSON.parse(l.slice(4)) as number[]);
}

describe.skipIf(!have)(
  "Espruino's TFLM vs earshot [needs deploy/engines.sh's espruino and ../shared/peers]",
  () => {
    it("same int8 depthwise outputs and logits byte for byte, same labels, on the four clips", () => {
      const bytes = new Uint8Array(readFileSync(join(PEER, "micro_speech_quantized.tflite")));
      const tfl = readTflite(bytes);
      const model = importTflite(tfl, { labels: LABELS });
      const q = model.tensors[model.ops[0].outputs[0]];
      const fe = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH);
      const feats = CLIPS.map(
        ([clip]) =>
          fe.extract(
            Array.from(readWav(join(PEER, "testdata", `${clip}.wav`)).samples, (x) =>
              Math.round(x * 32768),
            ),
          ).data,
      );
      const ours = feats.map((f) =>
        new IntEvaluator(model).run(
          f.map((v) => (v - q.zeroPoint) * q.scales[0]),
          true,
        ),
      );
      const dwOp = tfl.operators.findIndex((o) => o.name === "DEPTHWISE_CONV_2D");
      const fcOp = tfl.operators.findIndex((o) => o.name === "FULLY_CONNECTED");
      const dw = espruinoRun(cut(tfl, dwOp + 1, tfl.operators[dwOp].outputs[0]), feats);
      const logits = espruinoRun(cut(tfl, fcOp + 1, tfl.operators[fcOp].outputs[0]), feats);
      const probs = espruinoRun(bytes, feats);
      let same = 0;
      let total = 0;
      CLIPS.forEach(([clip, label], k) => {
        // earshot layers: quantize, depthwise (int32 acc), tflm_requantize, dense, tflm_requantize, softmax.
        expect(ours[k].layers[2].values, `${clip} depthwise`).toEqual(dw[k]);
        expect(ours[k].layers[4].values, `${clip} logits`).toEqual(logits[k]);
        same += dw[k].length + logits[k].length;
        total += ours[k].layers[2].values.length + ours[k].layers[4].values.length;
        const tflmLabel = LABELS[probs[k].indexOf(Math.max(...probs[k]))];
        const ourLabel = LABELS[ours[k].output.indexOf(Math.max(...ours[k].output))];
        expect([tflmLabel, ourLabel], clip).toEqual([label, label]);
      });
      console.log(
        `Espruino TFLM vs earshot on micro_speech: ${same} of ${total} int8 bytes equal (depthwise + logits, 4 clips); softmax int8 ${JSON.stringify(probs)}`,
      );
    }, 240_000);
  },
);
