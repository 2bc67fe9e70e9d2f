import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 4).
export function register(program: Command): void {
  program
    .command("export")
    .description("Export a trained model to a device model file")
    .action(() => {
      throw new UserError("'export' is not implemented yet (issue 4)");
    });
}
