import type { Command } from "commander";
import { UsageError } from "../../base/index.js";

// Scaffolding: replaced by the real command.
export function registerInfo(program: Command): void {
  program.command("info").argument("<file>").action(() => {
    throw new UsageError("ntrace info is not built yet");
  });
}
