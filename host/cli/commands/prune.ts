import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 4).
export function register(program: Command): void {
  program
    .command("prune")
    .description("L1 structured/unstructured pruning with fine-tuning")
    .action(() => {
      throw new UserError("'prune' is not implemented yet (issue 4)");
    });
}
