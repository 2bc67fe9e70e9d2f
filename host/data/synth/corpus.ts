import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { BACKGROUND_NOISE_DIR } from "../labels";
import { planNoise, renderNoise } from "./background";
import {
  configDiff,
  DEFAULT_KEYWORDS,
  DEFAULT_UNKNOWN_WORDS,
  defaultSpeakerCount,
  GENERATOR_VERSION,
  type SynthConfig,
} from "./config";
import { clearScratch, entries, isValidWav, SCRATCH_DIR, writeWavAtomic } from "./files";
import {
  MANIFEST_NAME,
  ManifestError,
  readManifest,
  type SynthManifest,
  writeManifest,
} from "./manifest";
import { type ClipItem, planClips } from "./plan";
import { renderInWorkers } from "./pool";
import { CLIP_DEFECTS, type ClipDefect } from "./quality";
import { renderClip } from "./render";
import { CLIP_SAMPLES } from "./shape";
import { drawSpeakers, MAX_RATE_SCALE, MIN_RATE_SCALE, type Speaker } from "./speakers";
import type { EngineName, TtsEngine } from "./tts/engine";
import { closeEngines, loadEngines } from "./tts/load";

export interface SynthOptions {
  out: string;
  words?: readonly string[];
  unknownWords?: readonly string[];
  perWord: number;
  unknownPerWord?: number;
  speakers?: number;
  maxRepeats?: number;
  seed: number;
  engines?: readonly EngineName[] | "auto";
  noiseSeconds?: number;
  /** Language tag: only voices of this language (eSpeak NG voices and variants; Flite for en). */
  lang?: string;
  /** Languages whose eSpeak NG voices also speak the words, e.g. ["de", "hi"]. */
  accentsFrom?: readonly string[];
  /** Share (0..1) of blendable voices drawn as a blend of two (eSpeak NG's presets); 0 = none. */
  blend?: number;
  /**
   * Scale of every speaker's speaking rate: below 1 speaks slower (Speech Commands' isolated
   * words run ~1.3x longer than the engines say them); 1 = the engines' pace.
   */
  rate?: number;
  /** Overwrite a folder made with another config (or not made by synth at all). */
  force?: boolean;
  /** Worker threads rendering clips (1 = in this thread). Does not change the output. */
  jobs?: number;
}

export interface SynthHooks {
  /** Called once the plan is known, with the number of files (clips + noise) to check. */
  onStart?(total: number): void;
  /** Called after each file, written or found cached. */
  onFile?(rel: string, cached: boolean): void;
}

export interface SynthSummary {
  out: string;
  words: number;
  speakers: number;
  engines: EngineName[];
  /** `dropped`: takes not written because they were unfit, by reason (quality.ts). */
  clips: {
    total: number;
    written: number;
    cached: number;
    dropped: Record<ClipDefect, number>;
  };
  noise: { total: number; written: number; cached: number };
  seconds: number;
  /** Clips written per second of wall time (cached ones excluded). */
  clipsPerSecond: number;
}

const NAME_RE = /^[0-9a-f]{8}_nohash_\d+\.wav$/;

/** Below this many clips per worker, starting workers (engine loads) costs more than it saves. */
const MIN_CLIPS_PER_WORKER = 32;

const bySpeaker = (a: ClipItem, b: ClipItem) =>
  a.speaker.id < b.speaker.id ? -1 : a.speaker.id > b.speaker.id ? 1 : 0;

function validateWords(words: readonly string[], what: string): void {
  // Lowercase letters of any script (or caseless scripts: CJK, Devanagari, Arabic, ...).
  for (const w of words)
    if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{Lm}\p{M}'-]*$/u.test(w))
      throw new ManifestError(`${what}: '${w}' is not a plain lowercase word`);
}

/** "label=text" entries: the folder (label) and what is said; plain words say themselves. */
function splitSpoken(entries: readonly string[], say: Record<string, string>): string[] {
  return entries.map((e) => {
    const i = e.indexOf("=");
    if (i < 0) return e;
    const label = e.slice(0, i);
    const text = e.slice(i + 1).trim();
    if (text.length === 0) throw new ManifestError(`--words: '${e}' has nothing to say after '='`);
    say[label] = text;
    return label;
  });
}

function resolveConfig(o: SynthOptions, engines: readonly TtsEngine[]): SynthConfig {
  const say: Record<string, string> = {};
  const words = splitSpoken(o.words ?? DEFAULT_KEYWORDS, say);
  const kw = new Set(words);
  const unknownWords = splitSpoken(o.unknownWords ?? DEFAULT_UNKNOWN_WORDS, say).filter(
    (w) => !kw.has(w),
  );
  validateWords(words, "--words");
  validateWords(unknownWords, "--unknown-words");
  if (words.length === 0) throw new ManifestError("--words: at least one word is needed");
  const unknownPerWord = o.unknownPerWord ?? o.perWord;
  const blend = o.blend ?? 0;
  const rate = o.rate ?? 1;
  if (!(rate >= MIN_RATE_SCALE && rate <= MAX_RATE_SCALE))
    throw new ManifestError(
      `--rate must be from ${MIN_RATE_SCALE} to ${MAX_RATE_SCALE} (got ${o.rate})`,
    );
  const accentsFrom = [...new Set(o.accentsFrom ?? [])];
  if (!(blend >= 0 && blend <= 1))
    throw new ManifestError(`--blend must be a share from 0 to 1 (got ${o.blend})`);
  if (blend > 0 && !engines.some((e) => e.blending))
    throw new ManifestError(
      `--blend: none of the engines (${engines.map((e) => e.name).join(", ")}) blends voices; eSpeak NG does`,
    );
  return {
    generator: GENERATOR_VERSION,
    seed: o.seed,
    words,
    unknownWords,
    perWord: o.perWord,
    unknownPerWord,
    speakers: o.speakers ?? defaultSpeakerCount(o.perWord, unknownPerWord),
    maxRepeats: o.maxRepeats ?? 3,
    engines: engines.map((e) => e.name),
    noiseSeconds: o.noiseSeconds ?? 60,
    ...(o.lang === undefined ? {} : { lang: o.lang }),
    ...(accentsFrom.length === 0 ? {} : { accentsFrom }),
    ...(blend === 0 ? {} : { blend }),
    ...(rate === 1 ? {} : { rate }),
    ...(Object.keys(say).length === 0 ? {} : { say }),
  };
}

/** Removes what an earlier synth run (with `old`'s config) wrote, before a forced rewrite. */
function removeOldCorpus(root: string, old: SynthManifest | null): void {
  if (!old) return;
  for (const w of [...old.config.words, ...old.config.unknownWords])
    for (const f of entries(join(root, w)))
      if (NAME_RE.test(f)) rmSync(join(root, w, f), { force: true });
  for (const rel of old.noiseFiles) rmSync(join(root, rel), { force: true });
}

/**
 * Checks that `root` may receive this corpus: empty, or made by synth with the same config.
 * With `force`, an earlier synth corpus there is removed first.
 */
function claimFolder(root: string, config: SynthConfig, force: boolean): void {
  const old = readManifest(root);
  if (old) {
    const diff = configDiff(old.config, config);
    if (diff.length === 0) return;
    if (!force)
      throw new ManifestError(
        `${root} holds a synthetic corpus made with a different config (${diff.join(", ")} differ); ` +
          "choose another --out or pass --force to replace it",
      );
    removeOldCorpus(root, old);
    return;
  }
  const present = entries(root).filter((f) => f !== SCRATCH_DIR);
  if (present.length > 0 && !force)
    throw new ManifestError(
      `${root} is not empty and has no ${MANIFEST_NAME}; choose an empty folder or pass --force`,
    );
}

/**
 * Writes (or completes) a synthetic Speech Commands corpus under `o.out`. Existing valid files
 * are kept, so an interrupted run resumes where it stopped.
 */
export async function synthesizeCorpus(
  o: SynthOptions,
  hooks: SynthHooks = {},
): Promise<SynthSummary> {
  const t0 = performance.now();
  if (!Number.isInteger(o.perWord) || o.perWord < 1)
    throw new ManifestError(`--per-word must be a positive integer (got ${o.perWord})`);
  const root = resolve(o.out);
  const engines = await loadEngines(o.engines ?? "auto", o.lang, o.accentsFrom);
  try {
    const config = resolveConfig(o, engines);
    mkdirSync(root, { recursive: true });
    claimFolder(root, config, o.force ?? false);
    clearScratch(root);

    const catalog = engines.map((e) => ({
      engine: e.name,
      voices: e.voices,
      blending: e.blending,
    }));
    const speakers: Speaker[] = drawSpeakers(
      config.seed,
      config.speakers,
      catalog,
      "speakers",
      config.blend ?? 0,
      config.rate ?? 1,
    );
    const quotas = [
      ...config.words.map((word) => ({ word, clips: config.perWord })),
      ...config.unknownWords.map((word) => ({ word, clips: config.unknownPerWord })),
    ];
    const items: ClipItem[] = planClips(config.seed, quotas, speakers, config.maxRepeats);
    const say = config.say ?? {};
    for (const it of items) if (say[it.word] !== undefined) it.text = say[it.word];
    const noise = planNoise();
    const manifest: SynthManifest = {
      tool: "earshot data synth",
      config,
      complete: false,
      clips: items.length,
      noiseFiles: noise.map((n) => n.rel),
      speakers,
    };
    writeManifest(root, manifest);
    hooks.onStart?.(items.length + noise.length);
    const tStart = performance.now();

    const byName = new Map(engines.map((e) => [e.name, e]));
    const dropped = Object.fromEntries(CLIP_DEFECTS.map((d) => [d, 0])) as Record<
      ClipDefect,
      number
    >;
    const droppedList: { rel: string; defect: ClipDefect }[] = [];
    const clips = { total: items.length, written: 0, cached: 0, dropped };
    // Speaker order keeps a worker's batches on few voices. Order does not change the bytes:
    // each clip's randomness is its own and engines keep no state between utterances.
    const todo: ClipItem[] = [];
    for (const item of [...items].sort(bySpeaker)) {
      if (isValidWav(join(root, item.rel), CLIP_SAMPLES)) {
        clips.cached++;
        hooks.onFile?.(item.rel, true);
      } else todo.push(item);
    }
    const jobs = Math.min(o.jobs ?? 1, Math.ceil(todo.length / MIN_CLIPS_PER_WORKER));
    const wrote = (rel: string, defect?: ClipDefect) => {
      if (defect) {
        dropped[defect]++;
        droppedList.push({ rel, defect });
      } else clips.written++;
      hooks.onFile?.(rel, false);
    };
    if (jobs > 1)
      await renderInWorkers(
        {
          root,
          seed: config.seed,
          engines: config.engines,
          lang: config.lang,
          accentsFrom: config.accentsFrom,
        },
        todo,
        jobs,
        wrote,
      );
    else
      for (const item of todo) {
        const r = renderClip(item, config.seed, byName);
        if ("defect" in r) wrote(item.rel, r.defect);
        else {
          writeWavAtomic(root, item.rel, r.samples);
          wrote(item.rel);
        }
      }
    const tClips = performance.now();

    const noiseCount = { total: noise.length, written: 0, cached: 0 };
    mkdirSync(join(root, BACKGROUND_NOISE_DIR), { recursive: true });
    const noiseFrames = Math.round(config.noiseSeconds * 16000);
    for (const item of noise) {
      const cached = isValidWav(join(root, item.rel), noiseFrames);
      if (cached) noiseCount.cached++;
      else {
        const x = renderNoise(
          item,
          config.seed,
          config.noiseSeconds,
          engines,
          config.unknownWords,
          config.words,
        );
        writeWavAtomic(root, item.rel, x);
        noiseCount.written++;
      }
      hooks.onFile?.(item.rel, cached);
    }

    clearScratch(root);
    droppedList.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    writeManifest(root, {
      ...manifest,
      complete: true,
      ...(droppedList.length > 0 ? { dropped: droppedList } : {}),
    });
    const clipSeconds = (tClips - tStart) / 1000;
    return {
      out: root,
      words: quotas.length,
      speakers: speakers.length,
      engines: config.engines,
      clips,
      noise: noiseCount,
      seconds: (performance.now() - t0) / 1000,
      clipsPerSecond: clips.written > 0 ? clips.written / clipSeconds : 0,
    };
  } finally {
    closeEngines(engines);
  }
}
