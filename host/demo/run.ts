import { UserError } from "../cli/errors";

export async function runDemo(_opts: { out: string; json?: boolean }): Promise<void> {
  throw new UserError("demo is assembled once the corpus, features and plots land (issue 2)");
}
