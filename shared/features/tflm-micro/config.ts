/**
 * The TFLite Micro micro_speech front end's settings (its audio_preprocessor models: Signal ops
 * window, fft_auto_scale, rfft, energy, filter_bank, filter_bank_square_root,
 * filter_bank_spectral_subtraction, pcan, filter_bank_log, then int8 scaling). Integer
 * parameters are the ones those models carry in their custom options.
 */
export interface TflmMicroConfig {
  sampleRate: number;
  /** Window and hop in samples (30 ms and 20 ms at 16 kHz). */
  window: number;
  hop: number;
  fftSize: number;
  /** Hann window weights are scaled by 2^windowShift. */
  windowShift: number;
  channels: number;
  lowerHz: number;
  upperHz: number;
  /** Filter bank weights are scaled by 2^filterBankBits. */
  filterBankBits: number;
  smoothingBits: number;
  /** Noise estimate smoothing of even / odd channels, in units of 2^-spectralSubtractionBits. */
  evenSmoothing: number;
  oddSmoothing: number;
  minSignalRemaining: number;
  spectralSubtractionBits: number;
  pcanStrength: number;
  pcanOffset: number;
  pcanGainBits: number;
  /** log2 of the FFT size - 1 - filterBankBits / 2 (3 for 512). */
  inputCorrectionBits: number;
  /** Log output scale (2^6). */
  logOutputScale: number;
  /** int8 features = clamp((log * int8Mul + int8Add) / int8Div (truncated) + int8Zero, -128, 127). */
  int8Mul: number;
  int8Add: number;
  int8Div: number;
  int8Zero: number;
}

/** micro_speech: 16 kHz, 30 ms / 20 ms, 40 channels 125-7500 Hz (49 frames per second). */
export const TFLM_MICRO_SPEECH: TflmMicroConfig = {
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
  pcanStrength: 0.95,
  pcanOffset: 80,
  pcanGainBits: 21,
  inputCorrectionBits: 3,
  logOutputScale: 64,
  int8Mul: 256,
  int8Add: 333,
  int8Div: 666,
  int8Zero: -128,
};
