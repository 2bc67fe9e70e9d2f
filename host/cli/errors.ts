/**
 * Errors a user can act on. The CLI prints their message as one line and exits non-zero;
 * anything else is a bug and keeps its stack trace (behind EARSHOT_DEBUG=1).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Errors whose message alone explains the problem (typed domain errors opt in by name). */
export function isExpectedError(err: unknown): err is Error {
  return err instanceof Error && (err instanceof UserError || "expected" in err);
}
