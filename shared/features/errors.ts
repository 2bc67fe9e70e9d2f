import { EarshotError } from "../errors";

/** A front-end configuration that cannot work; names the field (code "front-end-config"). */
export class FrontEndConfigError extends EarshotError {
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super("front-end-config", `front-end config: ${field} ${reason}`);
    this.name = "FrontEndConfigError";
    this.field = field;
    this.reason = reason;
  }
}
