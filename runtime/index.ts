/**
 * runtime/: the emulated x86 Windows machine. See runtime/README.md and ARCHITECTURE.md.
 *
 *   const { run } = runSession({ target: { mode: "user", image: "hello.exe", args: ["a"] } });
 *   run.exitCode === 0
 *   const { run: r, trace } = runSession({ target: { mode: "user", image: "samples/fib/fib.dll", call: { name: "Run", args: [20] } }, trace: {} });
 *   r.result === 6765, trace.bytes holds the trace
 */
export * from "./core/types.js";
export * from "./core/errors.js";
export { Machine, DEFAULT_QUANTUM, INSTRUCTIONS_PER_MS, normalizeDllName, type ApiDef, type ApiCall, type ApiOutcome, type FaultInfo, type Cpu } from "./core/machine.js";
export type { Personality } from "./core/personality.js";
export { GuestThread, CONTEXT_REGS } from "./core/thread.js";
export * from "./engine/index.js";
export { GuestMemory, PAGE, PageProt, type Region } from "./core/memory.js";
export { Selector } from "./core/gdt.js";
export { runSession, type SessionOptions, type SessionResult, type TraceSummary, type TraceOutput, type UserTarget, type KernelTarget } from "./session.js";
export { runProgram, createProgram, runToExit, programSummary, closeProgram, type ProgramOptions, type ProgramRun } from "./user/run.js";
export { UserProcess, type UserProcessOptions } from "./user/process.js";
export { locateSystemDlls, cacheDir, mingwRuntimeDir, SystemDllsError, type SystemDlls } from "./user/sysdlls.js";
export { parseMountSpec, hostToWineGuestPath, type Mount } from "./user/vfs.js";
export { syscallFamilies } from "./user/syscalls/index.js";
export { parseCallArg } from "./user/dllcall.js";
