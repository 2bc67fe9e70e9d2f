import type { Command } from "@commander-js/extra-typings";

/** Returns the subcommand group `name` of `program`, creating it once (e.g. `data`, `fleet`). */
export function group(program: Command, name: string, description: string): Command {
  const found = program.commands.find((c) => c.name() === name) as Command | undefined;
  if (found) return found;
  return program.command(name).description(description) as unknown as Command;
}
