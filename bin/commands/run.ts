/**
 * `ntrace run <image> [--call Export[:arg,...]] [--load dll ...] [--cpus N] [--no-trace]
 *  [--json] [--max-instructions N] [--timeout ms] [--allow-missing-imports] [--quantum N]`
 *
 * Runs a DLL (DllMain, then the export) or an EXE (entry point until ExitProcess or every
 * thread ended) in the emulated machine and prints the result and a per-thread summary.
 * Exits non-zero with the reason on stderr when the guest failed.
 */
import type { Command } from "commander";
import { UsageError, hex, cidText } from "../../base/index.js";
import { parseCallArg, runImage, type MachineObserver, type MachineOptions, type RunResult } from "../../runtime/index.js";
import { addTracingOptions, runTraced, tracingOptionsFrom, type RawTracingOptions } from "../../runtime/tracing/index.js";
import { isDriverImage, parseIrpSpec, runDriver, runDriverTraced, type KernelRunResult } from "../../runtime/kernel/index.js";
import { GuestFailure, printJson } from "../cli.js";

export interface RunCommandOptions extends RawTracingOptions {
  readonly call?: string;
  readonly load?: string[];
  readonly cpus?: string;
  readonly trace?: boolean;
  readonly json?: boolean;
  readonly maxInstructions?: string;
  readonly timeout?: string;
  readonly allowMissingImports?: boolean;
  readonly quantum?: string;
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
  return {
    ...(options.load !== undefined ? { load: options.load } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    ...(maxInstructions !== undefined ? { maxInstructions } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(quantum !== undefined ? { quantum } : {}),
    allowMissingImports: options.allowMissingImports ?? false,
  };
}

/** The library side of the command, untraced (an observer may watch the machine). */
export function runCommand(image: string, options: RunCommandOptions, observer?: MachineObserver): RunResult {
  if (isDriverImage(image)) {
    if (options.call !== undefined) throw new UsageError("--call is for DLLs; a driver gets requests with --irp");
    return runDriver({ image, ...machineOptionsFrom(options), irps: (options.irp ?? []).map(parseIrpSpec), ...(observer !== undefined ? { observer } : {}) });
  }
  return runImage({
    image,
    ...machineOptionsFrom(options),
    ...(options.call !== undefined ? { call: parseCallSpec(options.call) } : {}),
    ...(observer !== undefined ? { observer } : {}),
  });
}

let progressShown = false;
/** Long runs: events and guest instructions so far, about once a second, on stderr. */
function printProgress(p: { events: number; instructions: number; elapsedMs: number }): void {
  progressShown = true;
  const line = `ntrace: ${(p.elapsedMs / 1000).toFixed(0)} s: ${p.events.toLocaleString("en-US")} events, ${p.instructions.toLocaleString("en-US")} guest instructions`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

/** The traced run: the trace is written (and closed) even when the guest fails. */
export function runTracedCommand(image: string, options: RunCommandOptions, argv: readonly string[]): RunResult {
  const tracing = tracingOptionsFrom(options, image);
  if (isDriverImage(image) && options.call !== undefined) throw new UsageError("--call is for DLLs; a driver gets requests with --irp");
  const traced = isDriverImage(image)
    ? runDriverTraced({ image, ...machineOptionsFrom(options), ...tracing.options, irps: (options.irp ?? []).map(parseIrpSpec), output: tracing.output, commandLine: argv })
    : runTraced({
    image,
    ...machineOptionsFrom(options),
    ...tracing.options,
    ...(options.call !== undefined ? { call: parseCallSpec(options.call) } : {}),
    output: tracing.output,
    commandLine: argv,
    progress: printProgress,
  });
  if (progressShown && process.stderr.isTTY) process.stderr.write("\n");
  const s = traced.stats;
  if ("fallbackNote" in traced && traced.fallbackNote !== undefined) process.stderr.write(`ntrace: note: ${traced.fallbackNote}\n`);
  process.stderr.write(
    `ntrace: trace ${tracing.output}: ${traced.events} events, ${traced.traceBytes} bytes` +
      ` (${s.patched}/${s.functions} functions patched in ${s.modules} module(s)` +
      `${s.unwinds > 0 ? `, ${s.unwinds} unwound` : ""}${s.unclosed > 0 ? `, ${s.unclosed} unclosed` : ""}${s.lost > 0 ? `, ${s.lost} LOST` : ""})\n`,
  );
  return traced.run;
}

export function printRunResult(r: RunResult, json: boolean): void {
  if (json) {
    printJson({
      ...(r.result !== undefined ? { result: r.result } : {}),
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      instructions: r.instructions,
      threads: r.threads,
      ...(r.output.length > 0 ? { output: r.output } : {}),
      ...(r.failure !== undefined ? { failure: r.failure } : {}),
      ...kernelJson(r),
    });
  } else {
    const out: string[] = [];
    if (r.result !== undefined) out.push(`result: ${r.result} (${hex(r.result)})`);
    if (r.exitCode !== undefined) out.push(`exit code: ${r.exitCode} (${hex(r.exitCode)})`);
    out.push(`instructions: ${r.instructions}`);
    out.push("threads:");
    for (const t of r.threads) {
      const exit = t.exit !== undefined ? `exit ${hex(t.exit)}` : "still running";
      out.push(`  ${t.key}  CID ${cidText(t.cid.process, t.cid.thread)}  ${exit}${t.error !== undefined ? `  error: ${t.error}` : ""}`);
    }
    if (r.output.length > 0) {
      out.push("debug output:");
      for (const line of r.output) out.push(`  ${line.replace(/\n$/, "")}`);
    }
    out.push(...kernelText(r));
    process.stdout.write(out.join("\n") + "\n");
  }
  if (r.failure !== undefined) throw new GuestFailure(r.failure);
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

const collectIrp = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerRun(program: Command): void {
  const command = addRunOptions(program.command("run").description("run an image in the emulated machine"));
  command.action((image: string, options: RunCommandOptions) => {
    const result = options.trace === false ? runCommand(image, options) : runTracedCommand(image, options, process.argv.slice(2));
    printRunResult(result, options.json === true);
  });
}

/** The image argument and every option of `ntrace run` (shared with `ntrace live`). */
export function addRunOptions(command: Command): Command {
  command
    .argument("<image>", "DLL, EXE or driver .sys (x86 PE32); drivers: --load adds filter drivers loaded after it")
    .option("--call <export[:args]>", "DLL: call this export after DllMain, integer args (decimal or 0x hex), e.g. Run:20")
    .option("--load <dll...>", "load these DLLs first (and look for imports next to them)")
    .option("--cpus <n>", "virtual processors", "1")
    .option("--no-trace", "run without tracing (tracing is the default)")
    .option("--json", "print the result as JSON")
    .option("--max-instructions <n>", "stop the guest after this many instructions")
    .option("--timeout <ms>", "stop the guest after this much host time")
    .option("--allow-missing-imports", "bind missing imports to stubs that stop the calling thread")
    .option("--quantum <n>", "instructions per time slice when threads share a CPU")
    .option("--irp <major[:ioctl[:input-hex[:outlen]]]>", "driver (.sys): send this request to the top of the device stack (repeatable; create, close, device_control, ... or 0..27)", collectIrp);
  return addTracingOptions(command);
}
