/**
 * The device bundles' error messages as the user reads them: the bundles carry each literal piece
 * of a message as a token (tools/message-codes.ts), and the host puts the text back from the
 * dictionary the build wrote beside them (paths.ts DEVICE_MESSAGES_FILE).
 */
import { existsSync, readFileSync } from "node:fs";
import { EarshotError } from "../../shared/errors";
import { buildOutputs } from "./paths";

/** The token of dictionary entry i, as the bundles carry it. */
export function messageToken(i: number): string {
  return `\`${i}\``;
}

/** `text` with its tokens replaced by their dictionary text (a token out of range stays). */
export function expandMessages(text: string, dictionary: string[]): string {
  return text.replace(/`(\d+)`/g, (whole, n: string) => {
    const i = Number(n);
    return i < dictionary.length ? dictionary[i] : whole;
  });
}

let loaded: { path: string; text: string; texts: string[] } | null = null;

/**
 * The dictionary beside the built bundles; empty before a build (messages then stay coded).
 * Reread when the file changes (a rebuild while a long-lived host runs).
 */
export function deviceMessages(path = buildOutputs().deviceMessages): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  if (loaded !== null && loaded.path === path && loaded.text === text) return loaded.texts;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === "string"))
    throw new EarshotError(
      "device-messages",
      `${path} is not a message dictionary (a JSON array of strings): rebuild it with npm run build:device`,
    );
  const texts = parsed as string[];
  loaded = { path, text, texts };
  return texts;
}

/** A message an engine printed (an `X` line's text), in words (as printed without a dictionary). */
export function deviceMessageText(text: string): string {
  if (!text.includes("`")) return text;
  try {
    return expandMessages(text, deviceMessages());
  } catch {
    return text;
  }
}
