/**
 * Voice blending for eSpeak NG: a new voice variant between two of its presets. A preset
 * (`espeak-ng-data/voices/!v/<name>`) is a list of keyword lines with numbers (`pitch 82 118`,
 * `formant 2 96 97 100`, `breath 0 2 3 ...`); a blend at weight w takes each number
 * (1 - w) of the way from the first preset and w from the second, so a speaker can sit anywhere
 * between `m3` and `f2` instead of on one of 29 presets (openWakeWord and microWakeWord blend
 * speakers for the same reason: diversity of voices is what carries TTS training to real ones).
 */

/** One preset line: its key (the keyword, plus the formant index for `formant`) and numbers. */
interface PresetLine {
  key: string;
  keyword: string;
  values: number[];
}

/** Lines that name or describe the preset, not how it sounds. */
const NOT_BLENDED = new Set(["language", "name", "gender"]);

/** The blendable lines of a variant file, in order; lines without numbers are left out. */
export function parsePreset(text: string): PresetLine[] {
  const out: PresetLine[] = [];
  for (const raw of text.split("\n")) {
    const words = raw
      .replace(/\/\/.*$/, "")
      .trim()
      .split(/\s+/);
    const keyword = words[0];
    if (!keyword || NOT_BLENDED.has(keyword)) continue;
    const nums = words.slice(1).map(Number);
    if (nums.length === 0 || nums.some((v) => !Number.isFinite(v))) continue;
    // `formant N f h w [add]`: the formant index is part of the key, not a value to blend.
    if (keyword === "formant")
      out.push({ key: `formant ${nums[0]}`, keyword, values: nums.slice(1) });
    else out.push({ key: keyword, keyword, values: nums });
  }
  return out;
}

function lineText(l: PresetLine): string {
  const head = l.keyword === "formant" ? l.key : l.keyword;
  return `${head} ${l.values.join(" ")}`;
}

/**
 * The variant file of a voice `w` of the way from preset `a` to preset `b` (w in [0, 1]).
 * Numbers both presets set are interpolated and rounded (eSpeak reads integers); a shorter
 * list is padded with the other's values. A line only one preset sets comes from the preset
 * that weighs at least half, since eSpeak's own default for it differs from keyword to keyword.
 */
export function blendPresets(a: string, b: string, w: number, name: string): string {
  if (!(w >= 0 && w <= 1)) throw new RangeError(`blendPresets: weight ${w} is outside [0, 1]`);
  const la = parsePreset(a);
  const lb = new Map(parsePreset(b).map((l) => [l.key, l]));
  const lines = [`language variant`, `name ${name}`];
  const seen = new Set<string>();
  for (const x of la) {
    seen.add(x.key);
    const y = lb.get(x.key);
    if (!y) {
      if (w <= 0.5) lines.push(lineText(x));
      continue;
    }
    const n = Math.max(x.values.length, y.values.length);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const va = x.values[i] ?? y.values[i];
      const vb = y.values[i] ?? x.values[i];
      values.push(Math.round((1 - w) * va + w * vb));
    }
    lines.push(lineText({ ...x, values }));
  }
  for (const y of lb.values()) if (!seen.has(y.key) && w >= 0.5) lines.push(lineText(y));
  return `${lines.join("\n")}\n`;
}

/** A blended voice's identifier: `<accent>+<a>~<b>@<percent of b>`, e.g. `en-us+m3~f2@40`. */
export interface BlendedVoice {
  accent: string;
  a: string;
  b: string;
  /** Weight of `b`, in whole percent (0..100). */
  percent: number;
}

const BLENDED = /^([^+]+)\+([A-Za-z0-9_]+)~([A-Za-z0-9_]+)@(\d{1,3})$/;

export function formatBlendedVoice(v: BlendedVoice): string {
  return `${v.accent}+${v.a}~${v.b}@${v.percent}`;
}

/** Parses a blended voice identifier; null for a plain `<accent>+<variant>`. */
export function parseBlendedVoice(voice: string): BlendedVoice | null {
  const m = BLENDED.exec(voice);
  if (!m) return null;
  const percent = Number(m[4]);
  if (percent > 100) return null;
  return { accent: m[1], a: m[2], b: m[3], percent };
}

/** The file name the blended preset is written under in eSpeak's `voices/!v/` folder. */
export function blendFileName(v: BlendedVoice): string {
  return `blend_${v.a}_${v.b}_${v.percent}`;
}
