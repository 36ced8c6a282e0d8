import type { Command } from "commander";

// Scaffolding: dump, replay, report, stack and flamegraph register here.
export function registerReaderCommands(program: Command): void {
  void program;
}
