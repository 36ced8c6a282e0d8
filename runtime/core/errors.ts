/** Errors the machine raises on purpose (all NtraceError: the CLI prints them without a stack trace). */
import { NtraceError } from "../../base/index.js";

/** An image imports functions that exist nowhere (no loaded image, no built-in API). */
export class MissingImportError extends NtraceError {
  readonly missing: readonly string[];
  constructor(image: string, missing: readonly string[], hint?: string) {
    super(`${image} imports functions that do not exist: ${missing.join(", ")}${hint !== undefined ? `\n${hint}` : ""}`);
    this.missing = missing;
  }
}

/** The loader cannot load an image (not found, not PE32 x86, no room, ...). */
export class LoadError extends NtraceError {}

/** The guest did something the machine cannot continue from (deadlock, bad call, limit). */
export class GuestError extends NtraceError {}
