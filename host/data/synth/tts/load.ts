import { type EngineName, type TtsEngine, TtsError } from "./engine";
import { ESPEAK_PACKAGE, loadEspeak } from "./espeak";
import { loadFlite } from "./flite";
import { GNUSPEECH_PACKAGE, loadGnuSpeech } from "./gnuspeech";
import { voiceInLanguage } from "./languages";

/**
 * Loads the requested engines. "auto" means Flite and, when its optional package is present,
 * eSpeak NG: the default corpus's voice mix, which the shipped models were trained on. GnuSpeech
 * joins only when named (it would change the default corpus). Naming an engine that cannot load is
 * an error, so a corpus never silently changes its voice mix. With `lang` (a language tag, see
 * languages.ts) only voices of that language are offered: Flite's voices are English, so it
 * joins only for "en"; an engine left with no voice is dropped (an error when named, or when no
 * engine has any voice of the language). `accentsFrom`: languages whose eSpeak NG voices also
 * speak the words (an error when eSpeak NG is not among the engines).
 */
export async function loadEngines(
  requested: readonly EngineName[] | "auto",
  lang?: string,
  accentsFrom: readonly string[] = [],
): Promise<TtsEngine[]> {
  const want = requested === "auto" ? (["flite", "espeak"] as const) : requested;
  const engines: TtsEngine[] = [];
  const english = lang === undefined || voiceInLanguage(lang, "en");
  for (const name of new Set(want)) {
    if (name === "gnuspeech") {
      if (!english)
        throw new TtsError(`gnuspeech: no voice for language '${lang}' (its voices are English)`);
      const e = await loadGnuSpeech();
      if (!e)
        throw new TtsError(
          `gnuspeech: optional package ${GNUSPEECH_PACKAGE} is not installed (GPL-3.0; npm install it to use GnuSpeech voices)`,
        );
      engines.push(e);
    } else if (name === "flite") {
      if (english) engines.push(await loadFlite());
      else if (requested !== "auto")
        throw new TtsError(`flite: no voice for language '${lang}' (its voices are English)`);
    } else {
      const e = await loadEspeak(lang, accentsFrom);
      if (e && e.voices.length === 0) {
        e.close();
        if (requested !== "auto") throw new TtsError(`espeak: no voice for language '${lang}'`);
        continue;
      }
      if (e) engines.push(e);
      else if (requested !== "auto")
        throw new TtsError(
          `espeak: optional package ${ESPEAK_PACKAGE} is not installed (GPL-3.0; npm install it to use eSpeak NG voices)`,
        );
    }
  }
  if (accentsFrom.length > 0 && !engines.some((e) => e.name === "espeak")) {
    closeEngines(engines);
    throw new TtsError(
      `--accents-from needs eSpeak NG (${ESPEAK_PACKAGE}, optional, GPL-3.0) among the engines`,
    );
  }
  if (engines.length === 0 && lang !== undefined)
    throw new TtsError(
      `no installed TTS voice speaks '${lang}' (eSpeak NG covers ~100 languages when ${ESPEAK_PACKAGE} is installed)`,
    );
  return engines;
}

export function closeEngines(engines: readonly TtsEngine[]): void {
  for (const e of engines) e.close();
}
