/** A synthetic corpus's size and voices as `earshot data synth` flags (recipes, keywords add, demo). */
export interface CorpusSize {
  perWord: number;
  unknownPerWord: number;
  speakers: number;
  seed: number;
}

export function corpusArgs(c: CorpusSize): string[] {
  return [
    "--per-word",
    `${c.perWord}`,
    "--unknown-per-word",
    `${c.unknownPerWord}`,
    "--speakers",
    `${c.speakers}`,
    "--seed",
    `${c.seed}`,
  ];
}
