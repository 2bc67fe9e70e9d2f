/** Whether the optional eSpeak NG package is installed (tests that need it skip loudly). */
import { createRequire } from "node:module";
import { ESPEAK_PACKAGE } from "../../host/data/synth/tts/espeak";

export const haveEspeak = (() => {
  try {
    createRequire(import.meta.url).resolve(`${ESPEAK_PACKAGE}/package.json`);
    return true;
  } catch {
    return false;
  }
})();
