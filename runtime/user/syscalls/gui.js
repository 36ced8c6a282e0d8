/**
 * The window system (win32u's table, numbers 0x1000 + n): console programs that link user32
 * make two calls while it initialises, answered as a machine without a display answers them.
 * Everything else of the window system is a wall (runtime/README.md).
 */
import { Status } from "./types.js";
export const guiSyscalls = {
    // user32 registers its client callbacks; with no window manager nothing will call them.
    NtUserInitializeClientPfnArrays: { args: ["ptr", "ptr", "ptr", "ptr"], handler: () => Status.SUCCESS },
    // The DPI of a machine without a display: the Windows default.
    NtUserGetSystemDpiForProcess: { args: ["handle"], handler: () => 96 },
};
