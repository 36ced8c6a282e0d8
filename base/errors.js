/**
 * Every error ntrace raises on purpose is an NtraceError; the CLI prints its message and
 * exits non-zero without a stack trace. Anything else reaching the CLI is a bug in ntrace.
 */
export class NtraceError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = new.target.name;
    }
}
/** Bad command-line input or API misuse by the caller. */
export class UsageError extends NtraceError {
}
/**
 * "This format, but broken": names the structure, field and offset. Parsers return null
 * (or a discriminated "not this format") for input that is not their format at all.
 */
export class FormatError extends NtraceError {
    location;
    detail;
    constructor(location, detail) {
        super(FormatError.describe(location, detail));
        this.location = location;
        this.detail = detail;
    }
    static describe(loc, detail) {
        const where = [
            loc.file,
            loc.stream !== undefined ? `stream ${loc.stream}` : undefined,
            `offset 0x${loc.offset.toString(16)}`,
        ]
            .filter((p) => p !== undefined)
            .join(", ");
        const what = loc.field !== undefined ? `${loc.structure}.${loc.field}` : loc.structure;
        return `${loc.format}: ${what} at ${where}: ${detail}`;
    }
    /** The same error with a file name attached (parsers work on bytes; callers know the file). */
    withFile(file) {
        if (this.location.file !== undefined)
            return this;
        // Keep the subclass (UnsupportedFormatError stays one).
        const Kind = this.constructor;
        return new Kind({ ...this.location, file }, this.detail);
    }
}
/** A format ntrace recognizes but deliberately does not read (PE32+, small MSF, MSFZ, ...). */
export class UnsupportedFormatError extends FormatError {
}
