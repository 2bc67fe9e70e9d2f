import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";

// Placeholder registration: replaced by the owning module's real command (issue 6).
export function register(program: Command): void {
  group(program, "ota", "ota commands")
    .command("publish")
    .description("Publish a signed model update")
    .action(() => {
      throw new UserError("'publish' is not implemented yet (issue 6)");
    });
}
