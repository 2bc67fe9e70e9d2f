import { existsSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { deviceMessages, expandMessages } from "../../../device/engines/device-messages";
import { ENGINE_NAMES, isEngineName } from "../../../device/engines/names";
import { buildOutputs } from "../../../device/engines/paths";
import {
  MAX_SMOOTHING,
  MAX_STRIDE_FRAMES,
  MAX_SUPPRESSION_MS,
} from "../../../shared/model-format/detection";
import type { DeviceModel } from "../../../shared/model-format/types";
import { numberIn } from "../args";
import { UserError } from "../errors";
import { group } from "../group";
import { emit } from "../output";

/** Inferences whose best label the text output lists (the last ones). */
const TOP_LINES = 5;

export function register(program: Command): void {
  group(program, "device", "device runtime: run models on the device engines")
    .command("run")
    .description(
      "Stream a WAV through a model on a device engine (build the bundles first: npm run build:device)",
    )
    .requiredOption("--engine <name>", `one of ${ENGINE_NAMES.join(", ")}`)
    .option("--model <file>", "device model file (default: the shipped models/kws12-int8.esm)")
    .requiredOption("--wav <file>", "WAV file of any length (converted to mono 16 kHz int16)")
    .option(
      "--threshold <x>",
      "detection threshold on the smoothed score",
      numberIn("--threshold", 0, 1),
    )
    .option(
      "--smoothing <n>",
      "moving-average window, in inferences",
      numberIn("--smoothing", 1, MAX_SMOOTHING, true),
    )
    .option(
      "--stride <k>",
      "run the network every k frames",
      numberIn("--stride", 1, MAX_STRIDE_FRAMES, true),
    )
    .option(
      "--suppression-ms <ms>",
      "quiet period after a detection",
      numberIn("--suppression-ms", 0, MAX_SUPPRESSION_MS),
    )
    .option(
      "--callgrind-out <file>",
      "run the engine under valgrind's callgrind and keep its profile there (callgrind_annotate reads it); espruino-native counts from the first audio read",
    )
    .option(
      "--js-profile <file>",
      "espruino-native: run under gdb, sample the runtime's JS every 500 lexer tokens from the first audio read, and write the samples per bundle function there (most first)",
    )
    .option(
      "--image",
      "espruino-native, jerryscript-native, wasm3: send the model's device image (earshot device image) to the image bundle, which carries no decoder or graph checks",
    )
    .option(
      "--json",
      'print {"events":[{"t","keyword","score"}],"scores":[[...],...],"times":[...],"top":[label,...]}',
    )
    .action(async (opts) => {
      const { modelOrShipped } = await import("../../models/shipped");
      opts.model = modelOrShipped(opts.model);
      const engine = opts.engine;
      if (!isEngineName(engine)) {
        throw new UserError(`unknown engine '${engine}' (use ${ENGINE_NAMES.join(", ")})`);
      }
      const { readFileSync } = await import("node:fs");
      const { readWav } = await import("../../data/wav/read");
      const { runEngine } = await import("../../../device/engines/run");
      const { buildReport } = await import("../../../device/engines/report");
      let model: Uint8Array;
      try {
        model = new Uint8Array(readFileSync(opts.model));
      } catch (e) {
        throw new UserError(`${opts.model}: cannot read (${(e as NodeJS.ErrnoException).code})`);
      }
      const wav = readWav(opts.wav);
      const samples = new Int16Array(wav.samples.length);
      for (let i = 0; i < samples.length; i++) {
        const v = Math.round(wav.samples[i] * 32768);
        samples[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      const { decodeModel } = await import("../../../shared/model-format/decode");
      const { ModelFormatError } = await import("../../../shared/model-format/errors");
      const { deviceFrontEndFromKeyValues } = await import(
        "../../../device/runtime/frontend-config"
      );
      // Decoded once here (rate check, report); a malformed model is reported by the engine
      // itself, the point of running it there.
      let decoded: DeviceModel | null = null;
      try {
        decoded = decodeModel(Array.from(model));
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw e;
      }
      let rate = 16000;
      try {
        if (decoded) rate = deviceFrontEndFromKeyValues(decoded.frontEnd).sampleRate;
      } catch (e) {
        // Reported by the engine, as a malformed file is.
        if (!(e instanceof ModelFormatError)) throw e;
      }
      if (rate !== 16000)
        throw new UserError(
          `${opts.model}: front end expects ${rate} Hz; WAVs are read at 16000 Hz`,
        );
      const profileOut = opts.callgrindOut;
      if (profileOut !== undefined && (engine === "node" || engine === "node-wasm"))
        throw new UserError(
          `--callgrind-out: engine '${engine}' runs inside this process; pick a device or host engine`,
        );
      const jsProfileOut: string | undefined = opts.jsProfile;
      if (jsProfileOut !== undefined && engine !== "espruino-native")
        throw new UserError(`--js-profile: espruino-native only (got '${engine}')`);
      if (jsProfileOut !== undefined && profileOut !== undefined)
        throw new UserError("--js-profile and --callgrind-out: one at a time");
      const result = await runEngine(engine, model, samples, {
        ...(jsProfileOut === undefined ? {} : { jsProfileOut }),
        ...(profileOut === undefined
          ? {}
          : {
              callgrind: true,
              profileOut,
              countFromStream: engine === "espruino-native",
            }),
        image: opts.image === true,
        threshold: opts.threshold,
        smoothingWindow: opts.smoothing,
        strideFrames: opts.stride,
        suppressionMs: opts.suppressionMs,
      });
      const report = buildReport(engine, decoded ?? decodeModel(Array.from(model)), result);
      emit(opts, report, (r) =>
        [
          `${r.engine}: ${r.scores.length} inferences, arena ${r.arenaPeakBytes} bytes, ${r.macsPerInference.int8} int8 + ${r.macsPerInference.binary} binary MACs each${r.streamingMacsPerStride === null ? "" : ` (streaming: ${r.streamingMacsPerStride} per stride)`}`,
          r.instructions === null
            ? ""
            : `callgrind: ${r.instructions} instructions${engine === "espruino-native" ? " from the first audio read" : ""}; profile in ${profileOut}`,
          result.jsProfile === undefined
            ? ""
            : `JS profile: ${result.jsProfile.samples} samples (${result.jsProfile.unmapped} unmapped), ${result.jsProfile.rows.length} functions; top ${result.jsProfile.rows
                .slice(0, 3)
                .map((row) => `${row.samples} @${row.at}`)
                .join(", ")}; written to ${jsProfileOut}`,
          r.stats
            ? `time: front end ${r.stats.frontEndMs.toFixed(0)} ms, network ${r.stats.networkMs.toFixed(0)} ms, post ${r.stats.postMs.toFixed(0)} ms`
            : "",
          // Each inference's best label (the last few; --json has them all).
          ...r.top
            .map(
              (label, i) =>
                `${(r.times[i] / 1000).toFixed(2)} s  top ${label}  ${Math.max(...r.scores[i]).toFixed(3)}`,
            )
            .slice(-TOP_LINES),
          ...r.events.map(
            (e) => `${(e.t / 1000).toFixed(2)} s  ${e.keyword}  ${e.score.toFixed(3)}`,
          ),
          r.events.length === 0 ? "no detections" : "",
        ]
          .filter((l) => l.length > 0)
          .join("\n"),
      );
    });

  group(program, "device", "device runtime: run models on the device engines")
    .command("image")
    .description(
      "Write a model's device image: the model decoded, validated in full and prepared on the host, with the run plan (arena, bands, every kernel call) the host recorded, for the image bundles (device/build/earshot-device-image*.js), which then carry no decoder, graph checks or op preparers, and the whole-window one no arena planner either. A model that streams at the stride also gets the stride program of streaming inference, which earshot-device-image-stream-plan.js replays (no whole-window run, no arena; that stride only). The image is trusted as it is: verify it in transport (an OTA manifest) as the device bundles' SHA-256 check is",
    )
    .option("--model <file>", "device model file (default: the shipped models/kws12-int8.esm)")
    .option(
      "--stride <k>",
      "the stride the image's streaming program runs at, and the device starts at (default: the model's)",
      numberIn("--stride", 1, MAX_STRIDE_FRAMES, true),
    )
    .requiredOption("--out <file>", "where to write the image (never the model file)")
    .option("--json", "print a JSON object")
    .action(async (opts) => {
      const { readFileSync, renameSync, writeFileSync } = await import("node:fs");
      const { resolve } = await import("node:path");
      const { modelOrShipped } = await import("../../models/shipped");
      const { plannedImage } = await import("../../../device/engines/image-plan");
      const file = modelOrShipped(opts.model);
      if (resolve(file) === resolve(opts.out))
        throw new UserError("--out must differ from the model file (the model is kept)");
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code})`);
      }
      const { isDeviceImage } = await import("../../../shared/model-format/image-write");
      if (isDeviceImage(bytes)) throw new UserError(`${file} is a device image already`);
      // A ModelFormatError (the host's full check) ends in its one line; nothing is written.
      const { bytes: image, streams } = plannedImage(bytes, opts.stride);
      const tmp = `${opts.out}.partial`;
      writeFileSync(tmp, image);
      renameSync(tmp, opts.out);
      const bundle = streams ? "earshot-device-image-stream-plan.js" : "earshot-device-image.js";
      emit(
        opts,
        {
          model: file,
          out: opts.out,
          modelBytes: bytes.length,
          imageBytes: image.length,
          streams,
          bundle,
        },
        (r) =>
          `${r.out}: device image of ${r.model}, ${r.imageBytes} bytes (model file ${r.modelBytes}), ${r.streams ? "with its streaming program" : "whole window every stride (the model does not stream at this stride)"}; run it with earshot device run --image, or load it with ${r.bundle}`,
      );
    });

  group(program, "device", "device runtime: run models on the device engines")
    .command("message")
    .description(
      "Put the words back into an error a device printed: the device bundles carry each literal piece of a message as a code (`12`), and npm run build:device writes their text beside the bundles",
    )
    .argument("<text...>", "the message as the device printed it (e.g. after its X)")
    .option(
      "--dictionary <file>",
      "the dictionary of the build the device runs (default: device/build/device-messages.json)",
    )
    .option("--json", "print a JSON object")
    .action((words, opts) => {
      const file = opts.dictionary ?? buildOutputs().deviceMessages;
      if (!existsSync(file))
        throw new UserError(
          `no message dictionary at ${file}: run npm run build:device (the one that built the device's bundle)`,
        );
      const dictionary = deviceMessages(file);
      const coded = words.join(" ");
      const text = expandMessages(coded, dictionary);
      emit(opts, { coded, text, dictionary: file }, (r) => r.text);
    });
}
