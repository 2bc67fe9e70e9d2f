/**
 * The one error base. An `EarshotError` is a problem the user can act on (a corrupt file, a
 * malformed model, a hostile payload, a wrong flag, a missing part), never a bug: its message
 * alone explains it in one line, and `code` is a short machine-readable reason. Each domain
 * has its subclass (ModelFormatError, ProtocolError, DatasetError, FleetError, ...); the CLI
 * prints these as one line and keeps stack traces for everything else.
 *
 * Portable (device code throws these too): a plain Error subclass, no Symbol, no getters. After
 * ES5 lowering `instanceof` a subclass of Error does not hold (Error called as a function returns
 * a fresh Error; typescript-to-lua has no Object.setPrototypeOf), so `expected` marks them and
 * `isEarshotError` tests that.
 */
export class EarshotError extends Error {
  readonly expected = true;
  /** Short machine-readable reason, e.g. "truncated", "dataset", "usage". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "EarshotError";
    this.code = code;
  }
}

/** Whether `err` is a user-facing error (on every engine, see above). */
export function isEarshotError(err: unknown): err is EarshotError {
  return (
    typeof err === "object" && err !== null && (err as { expected?: unknown }).expected === true
  );
}
