import { EarshotError } from "../../shared/errors";

/** Training failures the user can act on: bad training data or configuration, divergence. */
export class TrainError extends EarshotError {
  constructor(message: string, code = "train") {
    super(code, message);
    this.name = "TrainError";
  }
}

/** A checkpoint folder that is missing or unreadable. */
export class CheckpointError extends EarshotError {
  constructor(message: string) {
    super("checkpoint", message);
    this.name = "CheckpointError";
  }
}
