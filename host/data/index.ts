/** The data layer's public API (see README.md beside this file). */
export {
  type AugmentConfig,
  Augmenter,
  applyGainDb,
  applyReverb,
  changeSpeed,
  cutNoise,
  mixAtSnr,
  mixNoise,
  type NoiseMixConfig,
  syntheticImpulseResponse,
  TF_AUGMENT,
  timeShift,
} from "./augment";
export { ClipLoader, type LoadedSplit, loadClip, loadSplit, noiseBank } from "./clip";
export {
  type Dataset,
  DatasetError,
  type DatasetItem,
  type Layout,
  type NoiseFile,
  type ScanOptions,
  type SkippedFile,
  type SplitMode,
  scanDataset,
} from "./dataset";
export { BACKGROUND_NOISE_DIR, SILENCE_LABEL, STANDARD_KEYWORDS, UNKNOWN_LABEL } from "./labels";
export { resample } from "./resample";
export { Rng } from "./rng";
export { SPLITS, type Split, type SplitPercents, speakerSplit, whichSet } from "./split";
export { type DatasetStats, datasetStats, formatStats } from "./stats";
export {
  buildTask,
  type Example,
  type FileExample,
  noiseRegion,
  type SilenceExample,
  type Task,
  TaskError,
  type TaskOptions,
} from "./task";
export {
  CLIP_SAMPLES,
  type DecodedWav,
  decodeWav,
  padOrTrim,
  readWav,
  readWavHeader,
  TARGET_RATE,
  WavError,
} from "./wav/read";
