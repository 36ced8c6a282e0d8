/**
 * Running a program on the user-mode personality: a machine, the process, its first thread,
 * until the process exits (or every thread ended, a limit hit, a deadlock found).
 */
import { hex } from "../../base/index.js";
import { GuestError } from "../core/errors.js";
import { Machine } from "../core/machine.js";
import { UserProcess } from "./process.js";
/** Builds the machine and the process (the first thread is ready; nothing ran yet). */
export function createProgram(options) {
    const machine = new Machine(options, "user");
    let process;
    try {
        process = new UserProcess(machine, options);
        machine.observer.onMachineReady?.(machine);
        process.start();
        return { machine, process };
    }
    catch (err) {
        process?.close();
        machine.close();
        throw err;
    }
}
/** Runs until the process ended; guest failures (deadlock) end up in the machine's failure. */
export function runToExit(run) {
    const { machine, process } = run;
    try {
        machine.run(() => process.exitStatus !== undefined || [...process.threads.keys()].every((t) => t.state === "terminated"));
    }
    catch (err) {
        if (!(err instanceof GuestError))
            throw err;
        machine.failure ??= err.message;
    }
}
export function programSummary(run) {
    const { machine, process } = run;
    const threads = machine.threads.map((t) => ({
        key: hex(t.key),
        cid: { process: t.cid.process, thread: t.cid.thread },
        ...(t.state === "terminated" ? { exit: t.exitCode ?? 0 } : {}),
        ...(t.error !== undefined ? { error: t.error } : {}),
    }));
    const exitCode = process.exitStatus ?? machine.processExit;
    return {
        ...(exitCode !== undefined ? { exitCode } : {}),
        instructions: machine.clock(),
        threads,
        output: [...machine.output],
        ...(machine.failure !== undefined ? { failure: machine.failure } : {}),
    };
}
export function closeProgram(run) {
    run.process.close();
    run.machine.close();
}
/** Runs a program untraced (or with `options.observer`) and returns its summary. */
export function runProgram(options) {
    const run = createProgram(options);
    try {
        runToExit(run);
        return programSummary(run);
    }
    finally {
        closeProgram(run);
    }
}
