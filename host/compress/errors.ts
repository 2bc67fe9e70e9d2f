import { EarshotError } from "../../shared/errors";

/** Compression the user can act on: a layer with no device op, members that cannot vote together, a source with nothing in common. */
export class CompressError extends EarshotError {
  constructor(message: string, code = "compress") {
    super(code, message);
    this.name = "CompressError";
  }
}
