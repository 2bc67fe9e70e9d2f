import { EarshotError } from "../../shared/errors";

/** A search the user can act on: a results folder made with other options, an empty store, a bad record. */
export class SearchError extends EarshotError {
  constructor(message: string, code = "search") {
    super(code, message);
    this.name = "SearchError";
  }
}
