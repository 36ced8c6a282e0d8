/**
 * Every system call ntrace implements, by family. Each is declared once, in its family's
 * table; the dispatcher refuses a name declared twice.
 */
import { debugSyscalls } from "./debug.js";
import { fileSyscalls } from "./file.js";
import { guiSyscalls } from "./gui.js";
import { infoSyscalls } from "./info.js";
import { memorySyscalls } from "./memory.js";
import { nlsSyscalls } from "./nls.js";
import { objectSyscalls } from "./object.js";
import { registrySyscalls } from "./registry.js";
import { sectionSyscalls } from "./section.js";
import { syncSyscalls } from "./sync.js";
import { threadSyscalls } from "./thread.js";
import { timeSyscalls } from "./time.js";
/** Family name → table (runtime/README.md lists them in this order). */
export const syscallFamilies = {
    memory: memorySyscalls,
    "sections and image mapping": sectionSyscalls,
    files: fileSyscalls,
    registry: registrySyscalls,
    NLS: nlsSyscalls,
    "process, thread and system information": infoSyscalls,
    "threads and the process": threadSyscalls,
    synchronisation: syncSyscalls,
    "objects and handles": objectSyscalls,
    time: timeSyscalls,
    "debug output": debugSyscalls,
    "window system (win32u)": guiSyscalls,
};
export const allSyscallFamilies = Object.values(syscallFamilies);
