/**
 * Named training recipes: the hyperparameters, data recipe and augmentation that a shipped model
 * was trained with, so `earshot train --recipe NAME` (and `earshot recipe NAME`, which runs the
 * whole pipeline) reproduce it. Flags and --config files override a recipe's fields.
 */
import type { AugmentConfig } from "../data";
import type { TrainConfig } from "./config";
import { KWS_SPEC_AUGMENT } from "./spec-augment";

/**
 * Audio-domain augmentation for people the model never heard (issue 10): ±100 ms shift, noise
 * at 0..20 dB SNR from the background recordings, ±6 dB gain, ±10% speed (pitch and tempo
 * together), synthetic room reverb on 30% of clips, a vocal tract warp of 0.9..1.1 on every
 * augmented clip, and babble (1-3 non-keyword talkers at 5..20 dB SNR) under 30% of them. Each
 * lever's gain on held-out speakers is in models/README.md.
 */
export const KWS_AUGMENT: AugmentConfig = {
  timeShiftMs: 100,
  noise: { probability: 0.8, snrDb: [0, 20] },
  gainDb: [-6, 6],
  speed: [0.9, 1.1],
  reverb: { probability: 0.3, rt60Ms: [100, 600], wet: [0.1, 0.6] },
  vtlp: [0.9, 1.1],
  babble: { probability: 0.3, talkers: [1, 3], snrDb: [5, 20] },
};

export interface Recipe {
  name: string;
  description: string;
  config: Partial<TrainConfig>;
}

export const RECIPES: Record<string, Recipe> = {
  kws12: {
    name: "kws12",
    description:
      "12-class Speech Commands task, res8-narrow on MFCC 98x40: speaker split, half of each batch augmented in the audio domain (noise, gain, speed, reverb, vocal tract warp, babble), SpecAugment on all, label smoothing 0.1, batches made in worker threads (one per core, less one for the step when the native addon augments)",
    config: {
      model: "res8-narrow",
      splitMode: "speaker",
      epochs: 20,
      stepsPerEpoch: 150,
      augment: { fraction: 0.5, config: KWS_AUGMENT },
      specAugment: KWS_SPEC_AUGMENT,
      labelSmoothing: 0.1,
      prefetchWorkers: "auto",
    },
  },
};

export function recipeNames(): string[] {
  return Object.keys(RECIPES);
}
