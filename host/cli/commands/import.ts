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
      "front end recorded in the header, run by `earshot device run`: tflm-micro (TFLM micro_speech), none, or auto (tflm-micro for a [frames, 40] input)",
      "auto",
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
      const frontend = opts.frontend;
      if (frontend !== "none" && frontend !== "tflm-micro" && frontend !== "auto")
        throw new UserError(`--frontend must be tflm-micro, none or auto (got '${frontend}')`);
      if (opts.rounding !== "tflm" && opts.rounding !== "earshot")
        throw new UserError(`--rounding must be tflm or earshot (got '${opts.rounding}')`);
      const r = await importTfliteFile(file, opts.out, {
        labels: opts.labels?.split(",").map((s) => s.trim()),
        modelId: opts.modelId,
        rounding: opts.rounding,
        frontEnd: frontend,
      });
      emit(
        opts,
        r,
        (x) =>
          `wrote ${x.out}: ${x.bytes} bytes, input [${x.input}], ops ${x.ops.join(" ")}, labels ${x.labels.join(",")}, front end ${x.frontEnd}`,
      );
    });
}
