/**
 * Device profile (device/tools/build.ts): shared/model-format/digest.ts without SHA-256. The
 * transport that delivered the file verified it (the OTA updater checks the signed artifact),
 * and so does the host before it sends a model (device/engines/run.ts).
 */
export function checkDigest(_bytes: number[], _bodyEnd: number): void {}
