/**
 * Every way a model file can be rejected. `expected` marks it as a user-facing error (the CLI
 * prints the message as one line); `offset` is the byte offset where decoding failed, or -1
 * when the problem is not tied to one place (e.g. a graph inconsistency found after parsing).
 */
export class ModelFormatError extends Error {
  readonly expected = true;
  readonly offset: number;
  readonly reason: string;

  constructor(reason: string, offset: number) {
    super(
      offset >= 0
        ? `invalid model file: ${reason} (at byte ${offset})`
        : `invalid model file: ${reason}`,
    );
    this.name = "ModelFormatError";
    this.reason = reason;
    this.offset = offset;
  }
}
