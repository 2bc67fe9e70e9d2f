/**
 * Every way a model file can be rejected (a user-facing EarshotError, code "model-format");
 * `offset` is the byte offset where decoding failed, or -1 when the problem is not tied to one
 * place (e.g. a graph inconsistency found after parsing).
 */
import { EarshotError } from "../errors";

export class ModelFormatError extends EarshotError {
  readonly offset: number;
  readonly reason: string;

  constructor(reason: string, offset: number) {
    super(
      "model-format",
      offset >= 0
        ? `invalid model file: ${reason} (at byte ${offset})`
        : `invalid model file: ${reason}`,
    );
    this.name = "ModelFormatError";
    this.reason = reason;
    this.offset = offset;
  }
}
