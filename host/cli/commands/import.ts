import type { Command } from "@commander-js/extra-typings";
import { group } from "../group";

export function register(program: Command): void {
  group(program, "import", "Convert models from other toolchains into earshot's model file")
    .command("tflite")
    .description(
      "Convert an int8 TensorFlow Lite model (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, RESHAPE, SOFTMAX, AVERAGE_POOL_2D, MAX_POOL_2D, ADD) to a device model file",
    )
    .argument("<file>", ".tflite file")
    .requiredOption("--out <file>", "device model file to write")
    .option("--labels <list>", "comma-separated output labels (default class0, class1, ...)")
    .option("--model-id <id>", "model id in the header (default tflite-import)")
    .option(
      "--frontend <name>",
      "front end the model expects, recorded in the header: tflm-micro (TFLM micro_speech) or none",
      "none",
    )
    .option(
      "--rounding <mode>",
      "tflm: TFLite Micro's requantization, bit-exact (an extra op per layer); earshot: fused into the layer, rounded once",
      "tflm",
    )
    .option("--json", "print the result as JSON")
    .action(async (file, opts) => {
      const { importTfliteFile } = await import("../../interop/tflite/import-file");
      const { UserError } = await import("../errors");
      const { emit } = await import("../output");
      if (opts.frontend !== "none" && opts.frontend !== "tflm-micro")
        throw new UserError(`--frontend must be tflm-micro or none (got '${opts.frontend}')`);
      if (opts.rounding !== "tflm" && opts.rounding !== "earshot")
        throw new UserError(`--rounding must be tflm or earshot (got '${opts.rounding}')`);
      const r = await importTfliteFile(file, opts.out, {
        labels: opts.labels?.split(",").map((s) => s.trim()),
        modelId: opts.modelId,
        rounding: opts.rounding,
        meta: opts.frontend === "tflm-micro" ? [{ key: "frontEnd.tflmMicro", value: 1 }] : [],
      });
      emit(
        opts,
        r,
        (x) =>
          `wrote ${x.out}: ${x.bytes} bytes, input [${x.input}], ops ${x.ops.join(" ")}, labels ${x.labels.join(",")}`,
      );
    });
}
