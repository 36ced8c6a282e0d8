/**
 * `ntrace run <image> [args...] [options]`
 *
 * Runs a program (EXE) on Wine's system DLLs with its arguments, a DLL's export (`--call`) or
 * DllMain alone, or drivers (.sys) with requests (`--irp`); traced by default. The program's
 * stdin/stdout/stderr are ntrace's own; ntrace's messages go to stderr prefixed "ntrace:".
 * Program arguments that start with "-" go after "--".
 *
 * Exit status: the program's exit code (its low 8 bits, as a shell sees every process's);
 * for --call and drivers 0 when the run completed. 124: ntrace stopped the program (an
 * instruction limit, --timeout, a deadlock, --strict-syscalls). 125: ntrace could not run it
 * (usage, image, missing imports, system DLLs not installed, an error of ntrace itself).
 */
import type { Command } from "commander";
import { UsageError, hex, cidText, withCommas } from "../../base/index.js";
import { parseCallArg, parseMountSpec, runSession, type Interruption, type MachineObserver, type MachineOptions, type RunResult, type SessionResult, type UserTarget } from "../../runtime/index.js";
import { DEFAULT_MAX_THREADS, MAX_USER_THREADS } from "../../runtime/core/machine.js";
import { DEFAULT_DEBUG_OUTPUT_CAP } from "../../runtime/core/machine.js";
import { addTracingOptions, tracingOptionsFrom, type RawTracingOptions } from "./tracing-options.js";
import { isDriverImage, parseIrpSpec, type KernelRunResult } from "../../runtime/kernel/index.js";
import { EXIT_STOPPED, GuestFailure, printJson } from "../cli.js";
import { refuseNonRegularInput } from "../input.js";

export interface RunCommandOptions extends RawTracingOptions {
  readonly call?: string;
  readonly load?: string[];
  readonly dllDir?: string[];
  readonly mount?: string[];
  readonly cwd?: string;
  readonly commandLine?: string;
  readonly env?: string[];
  readonly systemDlls?: string;
  readonly strictSyscalls?: boolean;
  readonly wineDebug?: string;
  readonly syscalls?: boolean;
  readonly cpus?: string;
  readonly trace?: boolean;
  readonly json?: boolean;
  readonly maxInstructions?: string;
  readonly timeout?: string;
  readonly allowMissingImports?: boolean;
  readonly quantum?: string;
  readonly maxThreads?: string;
  readonly maxDebugOutput?: string;
  /** Kernel mode (.sys image): requests to send, "<major>[:ioctl[:input-hex[:output-length]]]". */
  readonly irp?: string[];
}

/** "Run:20" → { name: "Run", args: [20] }; "Add:2,3"; "Spin". */
export function parseCallSpec(spec: string): { name: string; args: number[] } {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  if (name === "") throw new UsageError(`--call needs an export name: "${spec}"`);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  return { name, args: rest.trim() === "" ? [] : rest.split(",").map(parseCallArg) };
}

function positiveInt(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const v = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v <= 0) throw new UsageError(`${option} needs a positive integer, got "${text}"`);
  return v;
}

/** The machine options of the command line, validated. */
export function machineOptionsFrom(options: RunCommandOptions): MachineOptions {
  const cpus = positiveInt(options.cpus, "--cpus");
  if (cpus !== undefined && cpus > 64) throw new UsageError("--cpus must be between 1 and 64");
  const maxInstructions = positiveInt(options.maxInstructions, "--max-instructions");
  const timeoutMs = positiveInt(options.timeout, "--timeout");
  const quantum = positiveInt(options.quantum, "--quantum");
  const maxThreads = positiveInt(options.maxThreads, "--max-threads");
  if (maxThreads !== undefined && maxThreads > MAX_USER_THREADS) throw new UsageError(`--max-threads must be between 1 and ${MAX_USER_THREADS}`);
  return {
    ...(cpus !== undefined ? { cpus } : {}),
    ...(maxInstructions !== undefined ? { maxInstructions } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(quantum !== undefined ? { quantum } : {}),
    ...(maxThreads !== undefined ? { maxThreads } : {}),
    // Ctrl-C and SIGTERM end the run; the trace is closed with what was recorded.
    catchSignals: true,
  };
}

/** "NAME=value" options → an environment map. */
function environmentFrom(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env "${p}": expected NAME=value`);
    env[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return env;
}

/** The user-mode target of the command line (an EXE with arguments, or a DLL). */
export function userTargetFrom(image: string, programArgs: readonly string[], options: RunCommandOptions): UserTarget {
  const isDll = /\.dll$/i.test(image);
  if (!isDll && options.call !== undefined) throw new UsageError(`--call needs a DLL; ${image} is a program (it runs from its entry point, with its arguments after the image)`);
  if (options.commandLine !== undefined && programArgs.length > 0) throw new UsageError(`--command-line is the whole command line: give the arguments in it, not after the image`);
  if (isDll && programArgs.length > 0) throw new UsageError(`${image} is a DLL: it takes no program arguments (call an export with --call Export:arg,...)`);
  return {
    mode: "user",
    image,
    args: programArgs,
    ...(options.call !== undefined ? { call: parseCallSpec(options.call) } : {}),
    ...(options.load !== undefined ? { load: options.load } : {}),
    ...(options.dllDir !== undefined ? { dllDirs: options.dllDir } : {}),
    ...(options.mount !== undefined ? { mounts: options.mount.map((m) => parseMountSpec(m)) } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.commandLine !== undefined ? { commandLine: options.commandLine } : {}),
    ...(options.env !== undefined ? { env: environmentFrom(options.env) } : {}),
    ...(options.systemDlls !== undefined ? { systemDlls: options.systemDlls } : {}),
    ...(options.strictSyscalls === true ? { strictSyscalls: true } : {}),
    ...(options.wineDebug !== undefined ? { wineDebug: options.wineDebug } : {}),
    ...(options.syscalls === true ? { syscallLog: (line: string) => process.stderr.write(`ntrace: syscall ${line}\n`) } : {}),
    ...(options.allowMissingImports === true ? { allowMissingImports: true } : {}),
    ...(options.maxDebugOutput !== undefined ? { maxDebugOutput: positiveInt(options.maxDebugOutput, "--max-debug-output")! } : {}),
    // Text mode shows each debug string as the program sends it (JSON lists them at the end).
    ...(options.json !== true ? { onDebugString: (text: string) => process.stderr.write(`ntrace: debug output: ${text.replace(/\n$/, "")}\n`) } : {}),
  };
}

/** The session options of a command line (what `run` runs). */
export function sessionOptionsFrom(image: string, programArgs: readonly string[], options: RunCommandOptions) {
  // A FIFO, a device or a /proc file would block or never end where the machine maps it.
  for (const file of [image, ...(options.load ?? [])]) refuseNonRegularInput(file);
  if (isDriverImage(image)) {
    if (options.call !== undefined) throw new UsageError("--call is for DLLs; a driver gets requests with --irp");
    const maxDebugOutput = positiveInt(options.maxDebugOutput, "--max-debug-output");
    return {
      ...machineOptionsFrom(options),
      target: {
        mode: "kernel" as const,
        image,
        ...(options.load !== undefined ? { load: options.load } : {}),
        irps: (options.irp ?? []).map(parseIrpSpec),
        allowMissingImports: options.allowMissingImports === true,
        ...(maxDebugOutput !== undefined ? { maxDebugOutput } : {}),
      },
    };
  }
  if (options.irp !== undefined && options.irp.length > 0) throw new UsageError(`--irp sends requests to drivers (.sys images); ${image} is not one`);
  return { ...machineOptionsFrom(options), target: userTargetFrom(image, programArgs, options) };
}

/** The library side of the command, untraced (an observer may watch the machine). */
export function runCommand(image: string, options: RunCommandOptions, observer?: MachineObserver, programArgs: readonly string[] = []): RunResult {
  return runSession({ ...sessionOptionsFrom(image, programArgs, options), ...(observer !== undefined ? { observer } : {}) }).run;
}

let progressShown = false;
/** Long runs: events and guest instructions so far, about once a second, on stderr. */
function printProgress(p: { events: number; instructions: number; elapsedMs: number }): void {
  progressShown = true;
  const line = `ntrace: ${(p.elapsedMs / 1000).toFixed(0)} s: ${withCommas(p.events)} events, ${withCommas(p.instructions)} guest instructions`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

/** What ended an interrupted run, for the trace's line ("" = the reason itself; guest failures are not interruptions of ntrace's). */
const INTERRUPTED_BY: Readonly<Record<Interruption["cause"], string | undefined>> = {
  signal: "",
  timeout: "--timeout",
  "instruction-limit": "--max-instructions",
  deadlock: "a deadlock",
  stopped: "ntrace",
  "guest-failure": undefined,
};

/** The traced run: the trace is written (and closed) even when the guest fails. */
export function runTracedCommand(image: string, options: RunCommandOptions, argv: readonly string[], programArgs: readonly string[] = []): SessionResult {
  const tracing = tracingOptionsFrom(options, image);
  const session = runSession({
    ...sessionOptionsFrom(image, programArgs, options),
    trace: { ...tracing.options, output: tracing.output, commandLine: argv, ...(isDriverImage(image) ? {} : { progress: printProgress }) },
  });
  if (progressShown && process.stderr.isTTY) process.stderr.write("\n");
  const t = session.trace!;
  const s = t.stats;
  if (t.fallbackNote !== undefined) process.stderr.write(`ntrace: note: ${t.fallbackNote}\n`);
  for (const w of t.warnings) process.stderr.write(`ntrace: warning: ${w}\n`);
  const interrupted = session.run.interruption;
  // An interrupted run's one line says so: the trace is closed and holds all it recorded.
  const by = interrupted !== undefined ? INTERRUPTED_BY[interrupted.cause] : undefined;
  const kept = by !== undefined ? `run interrupted by ${by === "" ? interrupted!.reason : by}; closed with everything recorded: ` : "";
  process.stderr.write(
    `ntrace: ${kept}trace ${tracing.output}: ${t.events} events, ${t.traceBytes} bytes` +
      ` (${s.functions} functions in ${s.modules} module(s): ${methodList(s.methods)}` +
      `${s.syscalls > 0 ? `, ${s.syscalls} system calls` : ""}` +
      `${s.unwinds > 0 ? `, ${s.unwinds} unwound` : ""}${s.unclosed > 0 ? `, ${s.unclosed} unclosed` : ""}${s.lost > 0 ? `, ${s.lost} LOST` : ""})\n`,
  );
  return session;
}

/**
 * Prints the summary (JSON on stdout, the last thing there; or text: a DLL call's result on
 * stdout, the rest on stderr) and sets the exit status.
 */
export function printRunResult(r: RunResult, json: boolean): void {
  if (json) {
    printJson({
      ...(r.result !== undefined ? { result: r.result } : {}),
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      instructions: r.instructions,
      threads: r.threads,
      ...(r.output.length > 0 ? { output: r.output } : {}),
      ...(r.failure !== undefined ? { failure: r.failure } : {}),
      ...(r.interruption !== undefined ? { interruption: { cause: r.interruption.cause, reason: r.interruption.reason } } : {}),
      ...(r.notes !== undefined ? { notes: r.notes } : {}),
      ...kernelJson(r),
    });
  } else {
    if (r.result !== undefined) process.stdout.write(`result: ${r.result} (${hex(r.result)})\n`);
    const err: string[] = [];
    if (r.exitCode !== undefined) err.push(`exit code ${r.exitCode} (${hex(r.exitCode)})`);
    err.push(`${withCommas(r.instructions)} instructions`);
    err.push(`${r.threads.length} thread${r.threads.length === 1 ? "" : "s"}`);
    const lines = [`ntrace: ${err.join(", ")}`];
    for (const t of r.threads) {
      const exit = t.exit !== undefined ? `exit ${hex(t.exit)}` : "still running";
      lines.push(`ntrace:   thread ${t.key}  CID ${cidText(t.cid.process, t.cid.thread)}  ${exit}${t.error !== undefined ? `  error: ${t.error}` : ""}`);
    }
    // A program's debug strings were shown as they came (onDebugString); drivers' DbgPrint output here.
    if ("irps" in r) for (const line of r.output) lines.push(`ntrace: debug output: ${line.replace(/\n$/, "")}`);
    lines.push(...kernelText(r).map((l) => `ntrace: ${l}`));
    for (const note of r.notes ?? []) lines.push(`ntrace: note: ${note}`);
    process.stderr.write(lines.join("\n") + "\n");
  }
  // Like a shell: a run ended by a signal exits 128 + its number (SIGINT 130, SIGTERM 143).
  if (r.interruption?.signal !== undefined) throw new GuestFailure(r.failure ?? `interrupted by ${r.interruption.reason}`, 128 + r.interruption.signal);
  if (r.failure !== undefined) throw new GuestFailure(r.failure, r.exitCode !== undefined && /^unhandled exception/.test(r.failure) ? r.exitCode & 0xff : EXIT_STOPPED);
  if (r.exitCode !== undefined) process.exitCode = r.exitCode & 0xff;
}

/** Kernel runs (.sys): the requests' results and a bug check, for --json. */
function kernelJson(r: RunResult): Record<string, unknown> {
  if (!("irps" in r)) return {};
  const k = r as KernelRunResult;
  return {
    irps: k.irps.map((i) => ({ major: i.major, ...(i.ioctl !== undefined ? { ioctl: i.ioctl } : {}), status: i.status, information: i.information, ...(i.output !== undefined ? { output: i.output } : {}) })),
    ...(k.bugCheck !== undefined ? { bugCheck: k.bugCheck } : {}),
    cpus: k.cpus,
  };
}

function kernelText(r: RunResult): string[] {
  if (!("irps" in r)) return [];
  const k = r as KernelRunResult;
  const out = ["requests:"];
  for (const i of k.irps) {
    const status = i.status !== undefined ? `IoStatus ${hex(i.status)} Information ${i.information ?? 0}` : `not completed (returned ${hex(i.returned)})`;
    out.push(`  ${i.majorName}${i.ioctl !== undefined ? ` ${hex(i.ioctl)}` : ""}: ${status}${i.output !== undefined && i.output !== "" ? `  output ${i.output}` : ""}`);
  }
  if (k.bugCheck !== undefined) out.push(`bug check: ${hex(k.bugCheck.code)} (${k.bugCheck.parameters.map((p) => hex(p)).join(", ")}) in thread ${k.bugCheck.thread} at ${k.bugCheck.address}`);
  out.push("cpus:");
  for (const c of k.cpus) out.push(`  cpu ${c.index}: idle thread ${c.idleThread}, DPC stack [${hex(c.dpcStackLimit)}, ${hex(c.dpcStackBase)})`);
  return out;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerRun(program: Command): void {
  const command = addRunOptions(program.command("run").description("run a program (with its arguments), a DLL's export, or drivers in the emulated machine, traced by default"));
  command.action((image: string, programArgs: string[], options: RunCommandOptions) => {
    const result = options.trace === false ? runCommand(image, options, undefined, programArgs) : runTracedCommand(image, options, process.argv.slice(2), programArgs).run;
    printRunResult(result, options.json === true);
  });
}

/** The image, program arguments and every option of `ntrace run` (shared with `ntrace live`). */
export function addRunOptions(command: Command): Command {
  command
    .argument("<image>", "EXE, DLL or driver .sys (x86 PE32)")
    .argument("[args...]", "program arguments (those starting with - go after --)")
    .option("--call <export[:args]>", "DLL: call this export (after DllMain), integer args (decimal or 0x hex), e.g. Run:20; without it a DLL's DllMain alone runs")
    .option("--load <dll...>", "DLLs to load first (DLL runs); their directories are searched for DLLs")
    .option("--dll-dir <dir>", "a host directory searched for DLLs (mounted read-only, on the program's PATH); repeatable", collect)
    .option("--mount <HOSTDIR[=GUESTDIR][:rw]>", "show a host directory to the program (default Z:\\<hostdir>, read-only); repeatable", collect)
    .option("--cwd <guestdir>", "the program's current directory (default C:\\work, a private scratch directory)")
    .option("--command-line <text>", "the program's whole command line, verbatim (GetCommandLine; the C runtime parses argv from it); default: the program's Windows path and the arguments, quoted")
    .option("--env <NAME=value>", "set an environment variable of the program; repeatable", collect)
    .option("--system-dlls <dir>", "Wine's i386 DLL set to use (default NTRACE_SYSTEM_DLLS, else the one scripts/install-deps.sh fetched)")
    .option("--strict-syscalls", "stop at the first system call ntrace does not implement (default: it fails with STATUS_NOT_IMPLEMENTED, reported once)")
    .option("--wine-debug <channels>", "turn on Wine's debug channels, WINEDEBUG syntax (e.g. +relay,+seh,+loaddll); output on stderr")
    .option("--syscalls", "log every system call on stderr (strace-like)")
    .option("--cpus <n>", "virtual processors", "1")
    .option("--no-trace", "run without tracing (tracing is the default)")
    .option("--json", "print the summary as JSON (the last thing on stdout)")
    .option("--max-instructions <n>", "stop the guest after this many instructions (at the first block boundary at or past n)")
    .option("--timeout <ms>", "stop the guest after this much host time")
    .option("--allow-missing-imports", "run even when imports are missing (calling one ends the process with an exception)")
    .option("--quantum <n>", "instructions per time slice when threads share a CPU")
    .option("--max-threads <n>", `threads the program may create, the first included (default ${DEFAULT_MAX_THREADS}, at most ${MAX_USER_THREADS}); past it thread creation fails`)
    .option("--max-debug-output <chars>", `characters of debug output (OutputDebugString, a driver's DbgPrint) shown and kept (default ${DEFAULT_DEBUG_OUTPUT_CAP}); the rest is counted, not kept`)
    .option("--irp <major[:ioctl[:input-hex[:outlen]]]>", "driver (.sys): send this request to the top of the device stack (repeatable; create, close, device_control, ... or 0..27)", collect);
  return addTracingOptions(command);
}

/** "12 detour, 3 hotpatch-msvc, 1 probe": the methods used, most used first. */
function methodList(methods: Record<string, number>): string {
  const used = Object.entries(methods).filter(([m, n]) => n > 0 && m !== "syscall" && m !== "none");
  return used.length === 0 ? "none traced" : used.sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n} ${m}`).join(", ");
}
