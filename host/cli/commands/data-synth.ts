import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";

// Placeholder registration: replaced by the owning module's real command (issue 2).
export function register(program: Command): void {
  group(program, "data", "data commands")
    .command("synth")
    .description("Synthesize a Speech Commands-layout corpus with TTS")
    .action(() => {
      throw new UserError("'synth' is not implemented yet (issue 2)");
    });
}
