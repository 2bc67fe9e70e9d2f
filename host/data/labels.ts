/**
 * Label and folder names of the Speech Commands convention (TensorFlow's speech_commands code and
 * the canonical test set): class 0 is silence, class 1 is unknown, then the keywords in order.
 */

export const SILENCE_LABEL = "_silence_";
export const UNKNOWN_LABEL = "_unknown_";
export const BACKGROUND_NOISE_DIR = "_background_noise_";

/** The ten keywords of the standard 12-class task, in the dataset's own order. */
export const STANDARD_KEYWORDS: readonly string[] = [
  "yes",
  "no",
  "up",
  "down",
  "left",
  "right",
  "on",
  "off",
  "go",
  "stop",
];

/** Words only v0.02 has; their presence identifies the version. */
export const V2_ONLY_WORDS: readonly string[] = [
  "backward",
  "forward",
  "follow",
  "learn",
  "visual",
];
