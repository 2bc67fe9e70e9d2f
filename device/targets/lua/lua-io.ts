/**
 * Lua-only I/O for the Lua entry. These TS bodies only state the contract (and let Node
 * typecheck); the Lua build replaces this module with ./lua-io.lua (see replace-plugin.cjs).
 */

/** Bytes of the file at `path` (0..255 each). */
export function readBytes(path: string): number[] {
  throw new Error(`lua-io: readBytes(${path}) runs only under Lua`);
}

/** The text of the file at `path`. */
export function readText(path: string): string {
  throw new Error(`lua-io: readText(${path}) runs only under Lua`);
}

/** Little-endian int16 samples of the raw file at `path`. */
export function readInt16(path: string): number[] {
  throw new Error(`lua-io: readInt16(${path}) runs only under Lua`);
}

/** Command-line argument i (0-based), or "" when absent. */
export function argument(i: number): string {
  throw new Error(`lua-io: argument(${i}) runs only under Lua`);
}

/** A number as text that parses back to the same double (integers without ".0"). */
export function fmt(x: number): string {
  return String(x);
}

/** CPU milliseconds. */
export function clock(): number {
  return 0;
}

export function printLine(s: string): void {
  throw new Error(`lua-io: printLine(${s}) runs only under Lua`);
}

/** Exits the interpreter with `code`. */
export function exit(code: number): void {
  throw new Error(`lua-io: exit(${code}) runs only under Lua`);
}
