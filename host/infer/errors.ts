import { EarshotError } from "../../shared/errors";

/** A model the host's integer inference cannot run (bad tensors, no kernels on this machine). */
export class InferenceError extends EarshotError {
  constructor(message: string, code = "eval") {
    super(code, message);
    this.name = "InferenceError";
  }
}
