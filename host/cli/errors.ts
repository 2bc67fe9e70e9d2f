/**
 * The CLI's own error: a wrong flag or flag combination (code "usage"). Library code throws its
 * domain's EarshotError (shared/errors.ts); the CLI prints any EarshotError as one line and
 * exits non-zero, and keeps the stack of anything else, a bug (behind EARSHOT_DEBUG=1).
 */
import { EarshotError, isEarshotError } from "../../shared/errors";

export class UserError extends EarshotError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super("usage", message);
    this.name = "UserError";
  }
}

/** Errors whose message alone explains the problem. */
export const isExpectedError = isEarshotError;
