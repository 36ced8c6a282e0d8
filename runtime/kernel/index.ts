/** runtime/kernel/: the kernel-mode personality (drivers, KPCR per CPU, IRPs, DPCs). See README.md. */
export { KernelMachine, SYSTEM_PROCESS_ID, type KernelCpu, type BugCheck } from "./kernel.js";
export { IoManager, type Driver } from "./io.js";
export { DBGPRINT_MAX, formatDbgPrint } from "./apis.js";
export { KernelRun, runDriver, parseIrpSpec, isDriverImage, type IrpSpec, type IrpResult, type KernelRunOptions, type KernelRunResult } from "./run.js";
export * as kernelLayout from "./layout.js";
