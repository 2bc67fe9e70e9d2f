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
 * together, a crude vocal-tract change), synthetic room reverb on 30% of clips.
 */
export const KWS_AUGMENT: AugmentConfig = {
  timeShiftMs: 100,
  noise: { probability: 0.8, snrDb: [0, 20] },
  gainDb: [-6, 6],
  speed: [0.9, 1.1],
  reverb: { probability: 0.3, rt60Ms: [100, 600], wet: [0.1, 0.6] },
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
      "12-class Speech Commands task, res8-narrow on MFCC 98x40: speaker split, half of each batch augmented in the audio domain, SpecAugment on all, batches made in a worker",
    config: {
      model: "res8-narrow",
      splitMode: "speaker",
      epochs: 20,
      stepsPerEpoch: 150,
      augment: { fraction: 0.5, config: KWS_AUGMENT },
      specAugment: KWS_SPEC_AUGMENT,
      prefetchWorkers: 1,
    },
  },
};

export function recipeNames(): string[] {
  return Object.keys(RECIPES);
}
