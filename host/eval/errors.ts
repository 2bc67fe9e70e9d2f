import { EarshotError } from "../../shared/errors";

/** Evaluation inputs the user can act on: an unreadable model file, a dataset that does not fit the model. */
export class EvaluationError extends EarshotError {
  constructor(message: string, code = "eval") {
    super(code, message);
    this.name = "EvaluationError";
  }
}
