import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

// Placeholder registration: replaced by the owning module's real command (issue 4).
export function register(program: Command): void {
  program
    .command("quantize")
    .description("Post-training quantization")
    .action(() => {
      throw new UserError("'quantize' is not implemented yet (issue 4)");
    });
}
