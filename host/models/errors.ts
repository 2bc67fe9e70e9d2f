import { EarshotError } from "../../shared/errors";

/** A model name or shipped model file that is not there. */
export class ModelError extends EarshotError {
  constructor(message: string, code = "model") {
    super(code, message);
    this.name = "ModelError";
  }
}
