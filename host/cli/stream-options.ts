/**
 * The options `stream eval` and `calibrate` share: both run a device engine over a built stream
 * and score its detections against the stream's truth.
 */
import { Option } from "@commander-js/extra-typings";
import { ENGINES } from "../../device/engines/names";
import { numberIn, oneOf } from "./args";

export const truthOption = () =>
  new Option("--truth <file.json>", "truth file (default: the stream's name with .json)");

export const streamEngineOption = () =>
  new Option(
    "--engine <name>",
    `device engine: ${ENGINES.join(", ")} (default: node-wasm when the device build has its wasm kernels, else node; bit-exact either way)`,
  ).argParser(oneOf("--engine", ENGINES));

export const toleranceOption = () =>
  new Option(
    "--tolerance-ms <ms>",
    "a detection of k within [start - ms, end + ms] of a planted k is a hit",
  )
    .argParser(numberIn("--tolerance-ms", 0, 60000))
    .default(500);
