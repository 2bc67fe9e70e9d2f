/**
 * Typed protocol errors: hostile or corrupt input, not a bug (see shared/errors.ts for why
 * device code tells them apart by `expected` and `code`, never `instanceof`). `code` is the
 * short reason, e.g. "truncated", "range", "topic".
 */
import { EarshotError } from "../shared/errors";

export class ProtocolError extends EarshotError {
  /** Field (or topic segment) at fault, "" when not tied to one. */
  readonly field: string;
  /** Byte offset in the payload where decoding failed, -1 when not applicable. */
  readonly offset: number;

  constructor(code: string, message: string, field: string, offset: number) {
    super(code, message);
    this.name = "ProtocolError";
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
