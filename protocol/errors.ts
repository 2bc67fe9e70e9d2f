/**
 * Typed protocol errors. `expected = true` marks them as user-facing (hostile or corrupt input,
 * not a bug): the CLI prints the message as one line. Portable subset: plain Error subclass, no
 * Symbol, no getters. After ES5 lowering `instanceof ProtocolError` does not hold (Error called
 * as a function returns a fresh Error; Object.setPrototypeOf is not in ES5 nor in
 * typescript-to-lua), so device code tells these apart by `expected` and `code`.
 */
export class ProtocolError extends Error {
  readonly expected = true;
  /** Short machine-readable reason, e.g. "truncated", "range", "topic". */
  readonly code: string;
  /** Field (or topic segment) at fault, "" when not tied to one. */
  readonly field: string;
  /** Byte offset in the payload where decoding failed, -1 when not applicable. */
  readonly offset: number;

  constructor(code: string, message: string, field: string, offset: number) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.field = field;
    this.offset = offset;
  }
}

export function protocolError(
  code: string,
  what: string,
  field: string,
  offset: number,
): ProtocolError {
  const where = offset >= 0 ? ` at byte ${offset}` : "";
  const name = field === "" ? "" : ` (field ${field})`;
  return new ProtocolError(code, `${what}${name}${where}`, field, offset);
}
