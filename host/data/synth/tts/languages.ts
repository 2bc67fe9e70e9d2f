/**
 * Language selection for TTS voices. A language is a BCP-47-style tag as eSpeak NG spells its
 * voices ("de", "fr", "es", "cmn", "ru", ...); a voice belongs to language L when its tag is L
 * or starts with "L-" (so "fr" takes fr, fr-BE and fr-CH; "es" takes es and es-419; "en" takes
 * every English accent).
 */
export function voiceInLanguage(tag: string, lang: string): boolean {
  const t = tag.toLowerCase();
  const l = lang.toLowerCase();
  return t === l || t.startsWith(`${l}-`);
}

/** A plausible language tag: 2-3 letters, optional subtags. */
export function isLanguageTag(lang: string): boolean {
  return /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(lang);
}
