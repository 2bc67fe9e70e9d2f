import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 3).
export function register(program: Command): void {
  program
    .command("eval")
    .description("Evaluate a model on a dataset")
    .action(() => {
      throw new UserError("'eval' is not implemented yet (issue 3)");
    });
}
