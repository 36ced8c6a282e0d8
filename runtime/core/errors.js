/** Errors the machine raises on purpose (all NtraceError: the CLI prints them without a stack trace). */
import { NtraceError } from "../../base/index.js";
/** An image imports functions that exist nowhere (no loaded image, no built-in API). */
export class MissingImportError extends NtraceError {
    missing;
    constructor(image, missing) {
        super(`${image} imports functions that do not exist: ${missing.join(", ")}`);
        this.missing = missing;
    }
}
/** The loader cannot load an image (not found, not PE32 x86, no room, ...). */
export class LoadError extends NtraceError {
}
/** The guest did something the machine cannot continue from (deadlock, bad call, limit). */
export class GuestError extends NtraceError {
}
