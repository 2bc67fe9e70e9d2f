import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";

// Placeholder registration: replaced by the owning module's real command (issue 2).
export function register(program: Command): void {
  group(program, "data", "data commands")
    .command("stats")
    .description("Per-class counts per split, speakers, skipped files")
    .action(() => {
      throw new UserError("'stats' is not implemented yet (issue 2)");
    });
}
