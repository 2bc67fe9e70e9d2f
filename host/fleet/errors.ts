import { EarshotError } from "../../shared/errors";

/** Fleet service problems the user can act on: a bad flag value, an unreachable broker or database, a port in use, an invalid device id. */
export class FleetError extends EarshotError {
  constructor(message: string, code = "fleet") {
    super(code, message);
    this.name = "FleetError";
  }
}
