/**
 * The engines `earshot device run --engine` accepts. A module of its own, free of heavy imports,
 * so the CLI can list and check names without loading the runners.
 */
export const ENGINES = ["node", "node-wasm", "duk", "duktape-host", "lua"] as const;
/** The device engines deploy/engines.sh builds (device/engines/native-engines.ts). */
export const DEVICE_ENGINES = [
  "espruino",
  "espruino-budget",
  "espruino-native",
  "jerryscript",
  "jerryscript-native",
  "wasm3",
] as const;
export type EngineName = (typeof ENGINES)[number] | (typeof DEVICE_ENGINES)[number];
export const ENGINE_NAMES: readonly EngineName[] = [...ENGINES, ...DEVICE_ENGINES];

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(name);
}
