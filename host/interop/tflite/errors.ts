import { EarshotError } from "../../../shared/errors";

/** A TFLite file earshot cannot read or convert: malformed flatbuffer, unsupported op or type. */
export class TfliteError extends EarshotError {
  constructor(message: string, code = "tflite") {
    super(code, message);
    this.name = "TfliteError";
  }
}
