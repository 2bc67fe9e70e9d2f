/** A front-end configuration that cannot work; names the field. `expected`: the CLI prints one line. */
export class FrontEndConfigError extends Error {
  readonly expected = true;
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`front-end config: ${field} ${reason}`);
    this.name = "FrontEndConfigError";
    this.field = field;
    this.reason = reason;
  }
}
