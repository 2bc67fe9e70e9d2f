import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 2).
export function register(program: Command): void {
  program
    .command("features")
    .description("Compute MFCC/LFBE features of a WAV")
    .action(() => {
      throw new UserError("'features' is not implemented yet (issue 2)");
    });
}
