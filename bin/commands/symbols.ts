import type { Command } from "commander";
import { UsageError } from "../../base/index.js";

// Scaffolding: replaced by the real command.
export function registerSymbols(program: Command): void {
  program.command("symbols").argument("<file>").action(() => {
    throw new UsageError("ntrace symbols is not built yet");
  });
}
