/**
 * Handles and objects in general: closing, duplicating, querying names and types, comparing,
 * and the security calls programs make on their own objects (everything belongs to the one
 * user and is granted).
 */
import { utf16le } from "../guest.js";
import { FileObject } from "../files.js";
import { CURRENT_PROCESS, CURRENT_THREAD } from "../objects.js";
import { releaseFile } from "./file.js";
import { putHandle } from "./common.js";
import { Status } from "./types.js";
const DUPLICATE_CLOSE_SOURCE = 1;
const DUPLICATE_SAME_ACCESS = 2;
/** Closes one handle: the object goes when its last handle does (files are closed, deleted if pending). */
export function closeHandle(c, handle) {
    const h = handle >>> 0;
    if (h === CURRENT_PROCESS || h === CURRENT_THREAD)
        return Status.SUCCESS;
    const object = c.process.handles.close(h);
    if (object === undefined)
        return Status.INVALID_HANDLE;
    if (object.handleCount === 0 && object instanceof FileObject)
        releaseFile(object);
    return Status.SUCCESS;
}
function duplicate(c) {
    const [sourceProcess, source, targetProcess, pTarget, access, attributes, options] = c.args;
    const p = c.process;
    for (const h of [sourceProcess, targetProcess]) {
        if (h === targetProcess && h === 0 && pTarget === 0)
            continue; // closing the source only
        if (h >>> 0 !== CURRENT_PROCESS && p.handles.get(h) !== p.processObject)
            return Status.INVALID_HANDLE;
    }
    const object = p.object(source, c.thread);
    if (object === undefined)
        return Status.INVALID_HANDLE;
    const entry = p.handles.entry(source);
    const granted = (options & DUPLICATE_SAME_ACCESS) !== 0 ? entry?.access ?? 0x1f0fff : access;
    if (pTarget !== 0) {
        const failed = putHandle(c, pTarget, object, granted, attributes);
        if (failed !== undefined)
            return failed;
    }
    if ((options & DUPLICATE_CLOSE_SOURCE) !== 0)
        closeHandle(c, source);
    return Status.SUCCESS;
}
/** ObjectTypeInformation: OBJECT_TYPE_INFORMATION (0x60 bytes on x86) followed by the name. */
function typeInformation(buffer, object) {
    const name = utf16le(object.type);
    const out = new Uint8Array(0x60 + name.length + 2);
    const v = new DataView(out.buffer);
    v.setUint16(0, name.length, true);
    v.setUint16(2, name.length + 2, true);
    v.setUint32(4, buffer + 0x60, true);
    v.setUint32(8, 1, true); // TotalNumberOfObjects
    v.setUint32(12, object.handleCount, true);
    out.set(name, 0x60);
    return out;
}
function nameInformation(buffer, object) {
    let text = object.name ?? "";
    if (object instanceof FileObject && object.kind !== "stream")
        text = `\\Device\\HarddiskVolume1${object.guestPath.replace(/^[A-Za-z]:/, "")}`;
    const name = utf16le(text);
    const out = new Uint8Array(8 + name.length + (name.length > 0 ? 2 : 0));
    const v = new DataView(out.buffer);
    v.setUint16(0, name.length, true);
    v.setUint16(2, name.length > 0 ? name.length + 2 : 0, true);
    v.setUint32(4, name.length > 0 ? buffer + 8 : 0, true);
    out.set(name, 8);
    return out;
}
function query(c) {
    const [handle, cls, buffer, length, pReturn] = c.args;
    const p = c.process;
    const object = p.object(handle, c.thread);
    if (object === undefined)
        return Status.INVALID_HANDLE;
    let data;
    switch (cls) {
        case 0: {
            // ObjectBasicInformation (56 bytes)
            data = new Uint8Array(56);
            const v = new DataView(data.buffer);
            v.setUint32(0, p.handles.entry(handle)?.attributes ?? 0, true);
            v.setUint32(4, p.handles.entry(handle)?.access ?? 0x1f0fff, true);
            v.setUint32(8, Math.max(1, object.handleCount), true);
            v.setUint32(12, Math.max(1, object.handleCount) + 1, true);
            break;
        }
        case 1: // ObjectNameInformation
            data = nameInformation(buffer, object);
            break;
        case 2: // ObjectTypeInformation
            data = typeInformation(buffer, object);
            break;
        case 4: {
            // ObjectDataInformation {InheritHandle, ProtectFromClose}
            data = new Uint8Array(2);
            data[0] = ((p.handles.entry(handle)?.attributes ?? 0) & 2) !== 0 ? 1 : 0;
            break;
        }
        default:
            p.reportOnce(`NtQueryObject:${cls}`, `NtQueryObject: information class ${cls} is not implemented; the call fails with STATUS_INVALID_INFO_CLASS`);
            return Status.INVALID_INFO_CLASS;
    }
    p.guest.optU32(pReturn, data.length);
    if (length < data.length)
        return cls === 1 || cls === 2 ? Status.BUFFER_OVERFLOW : Status.INFO_LENGTH_MISMATCH;
    p.guest.write(buffer, data);
    return Status.SUCCESS;
}
export const objectSyscalls = {
    NtClose: { args: ["handle"], handler: (c) => closeHandle(c, c.args[0]) },
    NtDuplicateObject: { args: ["handle", "handle", "handle", "ptr", "access", "ulong", "ulong"], handler: duplicate },
    NtQueryObject: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: query },
    NtSetInformationObject: { args: ["handle", "class", "ptr", "ulong"], handler: () => Status.SUCCESS },
    NtCompareObjects: {
        args: ["handle", "handle"],
        handler: (c) => {
            const a = c.process.object(c.args[0], c.thread);
            const b = c.process.object(c.args[1], c.thread);
            if (a === undefined || b === undefined)
                return Status.INVALID_HANDLE;
            return a === b ? Status.SUCCESS : 0xc00001ac; // STATUS_NOT_SAME_OBJECT
        },
    },
    NtMakeTemporaryObject: { args: ["handle"], handler: () => Status.SUCCESS },
    NtQuerySecurityObject: {
        args: ["handle", "ulong", "ptr", "ulong", "ptr"],
        handler: (c) => {
            // An empty self-relative security descriptor: no owner, group or ACLs (everything allowed).
            const [, , buffer, length, pReturn] = c.args;
            c.process.guest.optU32(pReturn, 20);
            if (length < 20)
                return Status.BUFFER_TOO_SMALL;
            c.process.guest.write(buffer, new Uint8Array([1, 0, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
            return Status.SUCCESS;
        },
    },
    NtSetSecurityObject: { args: ["handle", "ulong", "ptr"], handler: () => Status.SUCCESS },
    NtAllocateUuids: {
        args: ["ptr", "ptr", "ptr", "ptr"],
        handler: (c) => {
            const [pTime, pRange, pSequence] = c.args;
            c.process.guest.setI64(pTime, c.process.systemTime());
            c.process.guest.setU32(pRange, 1);
            c.process.guest.setU32(pSequence, 0);
            return Status.SUCCESS;
        },
    },
};
