import type { Command } from "commander";
import { UsageError } from "../../base/index.js";

// Scaffolding: replaced by the real command.
export function registerFunctions(program: Command): void {
  program.command("functions").argument("<file>").action(() => {
    throw new UsageError("ntrace functions is not built yet");
  });
}
