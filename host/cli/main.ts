import { Command, CommanderError } from "@commander-js/extra-typings";
import { registerCommands } from "./commands/index";
import { isExpectedError } from "./errors";

/** Builds the `earshot` command tree. Heavy modules load inside each action, so `--help` is fast. */
export function buildProgram(): Command {
  const program = new Command("earshot")
    .description("Keyword spotting for fleets of IoT nodes: train, compress, deploy, watch.")
    .version("0.1.0")
    // Program options only before the subcommand: `ota publish --version 7` is the artifact's
    // version, not a request for the program's.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help or the usage error.
      process.exitCode = err.exitCode;
      return;
    }
    if (isExpectedError(err) || process.env.EARSHOT_DEBUG !== "1") {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`earshot: ${msg}\n`);
      if (!isExpectedError(err)) {
        process.stderr.write("earshot: (unexpected error; EARSHOT_DEBUG=1 shows the stack)\n");
      }
      process.exitCode = (err as { exitCode?: number }).exitCode ?? 1;
      return;
    }
    throw err;
  }
}
