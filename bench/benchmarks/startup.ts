/**
 * Start-up cost of a user-mode program (issue 11): `ntrace run --no-trace hello.exe` as a whole
 * process, as a user runs it (node's own start, module loading, the machine, Wine's DLLs
 * through LdrInitializeThunk to main and back out), side by side with what it is made of:
 * node starting alone, and the CLI loading alone (`--version`). The traced run (default
 * tracing: the program's own functions) is measured alongside.
 */
import { join } from "node:path";
import type { Benchmark } from "../harness.js";
import { commandLine, fmt, interleave, requireFiles, runChecked } from "../harness.js";
import { ntraceCli } from "../project.js";

const EXPECTED_STDOUT = "Hello, world!\r\n";

export const startup: Benchmark = {
  name: "startup",
  title: "Start-up: hello.exe (mingw-w64, msvcrt) on Wine's DLLs as a whole process",
  async run(ctx) {
    const cli = ntraceCli(ctx.root);
    const hello = join(ctx.root, "samples", "programs", "hello.exe");
    requireFiles([cli, hello], "the CLI and samples/programs/hello.exe");
    const trace = join(ctx.cacheDir, "startup-hello.ntrace");
    const untraced = [cli, "run", "--no-trace", hello];
    const traced = [cli, "run", "-o", trace, hello];
    const check = await runChecked("node", untraced, { keepStdout: true });
    if (!(check.stdout ?? "").startsWith(EXPECTED_STDOUT)) throw new Error(`hello.exe printed ${JSON.stringify((check.stdout ?? "").slice(0, 200))}, expected it to start with ${JSON.stringify(EXPECTED_STDOUT)}`);
    for (const a of [["-e", "0"], [cli, "--version"], untraced, traced]) ctx.command(`${commandLine("node", a)} > /dev/null`);
    const t = await interleave(
      [
        { name: "node", run: async () => (await runChecked("node", ["-e", "0"])).seconds },
        { name: "cli", run: async () => (await runChecked("node", [cli, "--version"])).seconds },
        { name: "untraced", run: async () => (await runChecked("node", untraced)).seconds },
        { name: "traced", run: async () => (await runChecked("node", traced)).seconds },
      ],
      Math.max(ctx.repeats, 5),
    );
    const m = t.median;
    ctx.measure({
      id: "startup.hello",
      label: "hello.exe untraced, whole process (node start included)",
      value: m.untraced!,
      unit: "s",
      target: { op: "<", limit: 0.5, item: "11" },
      detail: `node alone ${fmt(m.node!)} s, CLI loaded (--version) ${fmt(m.cli!)} s, so the run itself takes ${fmt(m.untraced! - m.cli!)} s`,
    });
    ctx.measure({
      id: "startup.helloTraced",
      label: "hello.exe traced (its own functions), whole process",
      value: m.traced!,
      unit: "s",
      detail: `${fmt(m.traced! / m.untraced!)}× the untraced run`,
    });
  },
};
