/** The shared audio front end: configuration, batch and streaming feature extraction. */
export {
  coeffCount,
  type FeatureKind,
  type FrontEndConfig,
  frameCount,
  hopLength,
  LFBE_25_10_20,
  MFCC_30_10_10,
  MFCC_30_10_20,
  MFCC_30_10_40,
  PRESETS,
  windowLength,
} from "./config";
export { FrontEndConfigError } from "./errors";
export { extractFeatures, type Features, FrontEnd, type SampleSource } from "./frontend";
export { buildMelFilterbank, hzToMel, type MelFilterbank, melEdges, melToHz } from "./mel";
export { type FrameSink, StreamingFrontEnd } from "./stream";
export { validateConfig } from "./validate-config";
