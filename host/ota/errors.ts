import { EarshotError } from "../../shared/errors";

/** OTA publishing problems the user can act on: a missing or existing signing key, a bad artifact or request. */
export class OtaError extends EarshotError {
  constructor(message: string, code = "ota") {
    super(code, message);
    this.name = "OtaError";
  }
}
