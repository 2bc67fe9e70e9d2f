import { EarshotError } from "../../shared/errors";

/** A pipeline or demo step that failed (its own message was printed above). */
export class PipelineError extends EarshotError {
  constructor(message: string, code = "pipeline") {
    super(code, message);
    this.name = "PipelineError";
  }
}
