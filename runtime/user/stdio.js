/**
 * The program's standard streams: ntrace's own stdin, stdout and stderr, handed to the guest
 * as file handles (pipes or files, never a console: a terminal is presented as a pipe, so
 * Wine's kernelbase starts no console host). Output is passed through byte for byte.
 */
import { fstatSync } from "node:fs";
import { FileObject } from "./files.js";
const NAMES = ["stdin", "stdout", "stderr"];
const FILE_SYNCHRONOUS_IO_NONALERT = 0x20;
export function openStdStreams(fds) {
    const make = (fd, i) => {
        let st;
        try {
            st = fstatSync(fd);
        }
        catch {
            st = undefined;
        }
        const access = i === 0 ? 0x80100089 : 0x40100196;
        const file = st === undefined ? new FileObject("null", `\\Device\\Null`, undefined, undefined, undefined, access, FILE_SYNCHRONOUS_IO_NONALERT, false) : new FileObject("stream", NAMES[i], undefined, fd, undefined, access, FILE_SYNCHRONOUS_IO_NONALERT, true, [], st);
        return { fd, file, close: () => file.close() };
    };
    return [make(fds[0], 0), make(fds[1], 1), make(fds[2], 2)];
}
