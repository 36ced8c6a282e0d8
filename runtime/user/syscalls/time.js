/**
 * Time: system time, performance counter and timer resolution, all from the machine's
 * virtual clock (guest instructions; 100,000 per millisecond) so two runs see the same times.
 * The guest's wall clock starts at 2026-01-01 00:00:00 UTC every run.
 */
import { INSTRUCTIONS_PER_MS } from "../../core/machine.js";
import { Status } from "./types.js";
/** The performance counter runs at 10 MHz, as on Windows 10. */
export const PERFORMANCE_FREQUENCY = 10_000_000;
export const timeSyscalls = {
    NtQuerySystemTime: {
        args: ["plarge"],
        handler: (c) => {
            c.process.guest.setI64(c.args[0], c.process.systemTime());
            return Status.SUCCESS;
        },
    },
    NtQueryPerformanceCounter: {
        args: ["plarge", "plarge"],
        handler: (c) => {
            const [pCounter, pFrequency] = c.args;
            const ticks = Math.floor((c.process.machine.clock() * PERFORMANCE_FREQUENCY) / (INSTRUCTIONS_PER_MS * 1000));
            c.process.guest.setI64(pCounter, ticks);
            if (pFrequency !== 0)
                c.process.guest.setI64(pFrequency, PERFORMANCE_FREQUENCY);
            return Status.SUCCESS;
        },
    },
    NtQueryTimerResolution: {
        args: ["ptr", "ptr", "ptr"],
        handler: (c) => {
            const [pMin, pMax, pCurrent] = c.args;
            c.process.guest.setU32(pMin, 156250);
            c.process.guest.setU32(pMax, 5000);
            c.process.guest.setU32(pCurrent, 156250);
            return Status.SUCCESS;
        },
    },
    NtSetTimerResolution: {
        args: ["ulong", "bool", "ptr"],
        handler: (c) => {
            c.process.guest.optU32(c.args[2], 156250);
            return Status.SUCCESS;
        },
    },
    NtSetSystemTime: { args: ["plarge", "plarge"], handler: () => 0xc0000061 /* STATUS_PRIVILEGE_NOT_HELD */ },
};
