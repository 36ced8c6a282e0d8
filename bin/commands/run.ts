import type { Command } from "commander";
import { UsageError } from "../../base/index.js";

// Scaffolding: replaced by the real command.
export function registerRun(program: Command): void {
  program.command("run").argument("<file>").action(() => {
    throw new UsageError("ntrace run is not built yet");
  });
}
