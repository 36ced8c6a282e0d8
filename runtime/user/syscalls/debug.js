/**
 * Debug output: Wine's own debug channels write through __wine_dbg_write (shown on stderr only
 * when --wine-debug turned channels on: Wine's messages are not ntrace's), and the debug
 * filter and debug control calls a program may make.
 */
import { Status } from "./types.js";
/** Longest single write Wine's debug buffer produces (its line buffer is 1020 bytes). */
const MAX_DEBUG_WRITE = 0x1000;
export const debugSyscalls = {
    __wine_dbg_write: {
        args: ["ptr", "ulong"],
        handler: (c) => {
            const [pText, length] = c.args;
            const n = Math.min(length, MAX_DEBUG_WRITE);
            const text = Buffer.from(c.process.guest.read(pText, n)).toString("latin1");
            c.process.wineDebugOutput(text);
            return n;
        },
    },
    NtSetDebugFilterState: { args: ["ulong", "ulong", "bool"], handler: () => Status.SUCCESS },
    NtSystemDebugControl: { args: ["class", "ptr", "ulong", "ptr", "ulong", "ptr"], handler: () => 0xc0000354 /* STATUS_DEBUGGER_INACTIVE */ },
    NtDisplayString: {
        args: ["ustr"],
        handler: (c) => {
            c.process.wineDebugOutput((c.process.guest.unicodeString(c.args[0]) ?? "") + "\n");
            return Status.SUCCESS;
        },
    },
};
