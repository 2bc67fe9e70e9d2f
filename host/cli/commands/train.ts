import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 3).
export function register(program: Command): void {
  program
    .command("train")
    .description("Train a keyword-spotting model")
    .action(() => {
      throw new UserError("'train' is not implemented yet (issue 3)");
    });
}
