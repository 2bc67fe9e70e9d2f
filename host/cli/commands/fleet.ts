import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";

// Placeholder registration: replaced by the owning module's real command (issue 6).
export function register(program: Command): void {
  group(program, "fleet", "fleet commands")
    .command("serve")
    .description("Run the fleet service")
    .action(() => {
      throw new UserError("'serve' is not implemented yet (issue 6)");
    });
}
