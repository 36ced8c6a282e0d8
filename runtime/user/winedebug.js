/**
 * Wine's debug channels (WINEDEBUG syntax: "[class]+channel,[class]-channel,..."): ntdll reads
 * a sorted table of {flags, name[15]} entries from the page after the PEB, the default flags in
 * the terminating entry. With the table filled, Wine's own +relay, +seh, +loaddll ... channels
 * work inside the emulator; their output reaches the __wine_dbg_write system call.
 */
import { UsageError } from "../../base/index.js";
const CLASSES = ["fixme", "err", "warn", "trace"];
/** Wine's default when WINEDEBUG is set: fixme and err messages on. */
const WINE_DEFAULT = 0b0011;
/** No channel on: what a run without --wine-debug gets (Wine's messages are not ntrace's). */
export const SILENT = { defaultFlags: 0, channels: new Map() };
export function parseWineDebug(spec) {
    let defaultFlags = WINE_DEFAULT;
    const channels = new Map();
    for (const opt of spec.split(",")) {
        if (opt === "")
            continue;
        let p = opt.search(/[+-]/);
        if (p < 0)
            p = 0;
        let set = 0;
        let clear = 0;
        if (p > 0) {
            const cls = CLASSES.indexOf(opt.slice(0, p));
            if (cls < 0)
                throw new UsageError(`--wine-debug "${spec}": unknown message class "${opt.slice(0, p)}" (classes: ${CLASSES.join(", ")})`);
            if (opt[p] === "+")
                set = 1 << cls;
            else
                clear = 1 << cls;
        }
        else if (opt[0] === "-")
            clear = 0xff;
        else
            set = 0xff;
        const name = opt.slice(opt[p] === "+" || opt[p] === "-" ? p + 1 : p);
        if (name === "")
            continue;
        if (name.length > 14)
            throw new UsageError(`--wine-debug "${spec}": channel name "${name}" is longer than Wine's 14 characters`);
        if (name === "all")
            defaultFlags = (defaultFlags & ~clear) | set;
        else
            channels.set(name, ((channels.get(name) ?? defaultFlags) & ~clear) | set);
    }
    return { defaultFlags, channels };
}
/** The table ntdll reads at PEB + 0x1000: sorted 16-byte entries, then the default flags. */
export function debugTableBytes(d) {
    const names = [...d.channels.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out = new Uint8Array(16 * (names.length + 1));
    names.forEach((name, i) => {
        out[16 * i] = d.channels.get(name) & 0xff;
        for (let k = 0; k < name.length; k++)
            out[16 * i + 1 + k] = name.charCodeAt(k) & 0x7f;
    });
    out[16 * names.length] = d.defaultFlags & 0xff;
    return out;
}
