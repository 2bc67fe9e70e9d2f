import { type EngineName, type TtsEngine, TtsError } from "./engine";
import { ESPEAK_PACKAGE, loadEspeak } from "./espeak";
import { loadFlite } from "./flite";

/**
 * Loads the requested engines. "auto" means every engine that is installed (flite always is;
 * eSpeak NG only when its optional package is present). Naming an engine that cannot load is
 * an error, so a corpus never silently changes its voice mix.
 */
export async function loadEngines(requested: readonly EngineName[] | "auto"): Promise<TtsEngine[]> {
  const want = requested === "auto" ? (["flite", "espeak"] as const) : requested;
  const engines: TtsEngine[] = [];
  for (const name of new Set(want)) {
    if (name === "flite") engines.push(await loadFlite());
    else {
      const e = await loadEspeak();
      if (e) engines.push(e);
      else if (requested !== "auto")
        throw new TtsError(
          `espeak: optional package ${ESPEAK_PACKAGE} is not installed (GPL-3.0; npm install it to use eSpeak NG voices)`,
        );
    }
  }
  return engines;
}

export function closeEngines(engines: readonly TtsEngine[]): void {
  for (const e of engines) e.close();
}
