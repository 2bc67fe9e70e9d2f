import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";

// Placeholder registration: replaced by the owning module's real command (issue 5).
export function register(program: Command): void {
  group(program, "device", "device commands")
    .command("run")
    .description("Run a model on a device engine over a WAV")
    .action(() => {
      throw new UserError("'run' is not implemented yet (issue 5)");
    });
}
