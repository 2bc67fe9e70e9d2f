/**
 * TFLM micro front-end presets (host side: the importer writes one into a model file's header;
 * the device reads the settings from there, so no preset ships in the device bundle).
 */
import type { TflmMicroConfig } from "./config";

/** micro_speech: 16 kHz, 30 ms / 20 ms, 40 channels 125-7500 Hz (49 frames per second). */
export const TFLM_MICRO_SPEECH: TflmMicroConfig = {
  kind: "tflm-micro",
  sampleRate: 16000,
  window: 480,
  hop: 320,
  fftSize: 512,
  windowShift: 12,
  channels: 40,
  lowerHz: 125,
  upperHz: 7500,
  filterBankBits: 12,
  smoothingBits: 10,
  evenSmoothing: 409,
  oddSmoothing: 983,
  minSignalRemaining: 819,
  spectralSubtractionBits: 14,
  // 0.95 (a division, exact on every engine: the decimal literal is not, see SUBSET.md).
  pcanStrength: 95 / 100,
  pcanOffset: 80,
  pcanGainBits: 21,
  inputCorrectionBits: 3,
  logOutputScale: 64,
  int8Mul: 256,
  int8Add: 333,
  int8Div: 666,
  int8Zero: -128,
};
