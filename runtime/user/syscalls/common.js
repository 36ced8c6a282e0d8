/** Helpers the system-call families share: handles of a type, named objects, timeouts. */
import { INSTRUCTIONS_PER_MS } from "../../core/machine.js";
import { DirectoryObject } from "../objects.js";
import { Status } from "./types.js";
/** Instructions per 100 ns unit of the guest clock (INSTRUCTIONS_PER_MS / 10000). */
const INSTRUCTIONS_PER_100NS = INSTRUCTIONS_PER_MS / 10000;
/** The object behind `handle` if it is a `type`; else the status to fail with. */
export function objectOf(c, handle, type) {
    const o = c.process.object(handle, c.thread);
    if (o === undefined)
        return Status.INVALID_HANDLE;
    if (!(o instanceof type))
        return Status.OBJECT_TYPE_MISMATCH;
    return o;
}
/** The full object name of OBJECT_ATTRIBUTES (root directory + name), or a failure status. */
export function objectName(c, pAttr) {
    const attr = c.process.guest.objectAttributes(pAttr);
    if (attr === undefined || attr.name === undefined || attr.name === "")
        return { name: undefined };
    if (attr.root !== 0) {
        const root = c.process.object(attr.root, c.thread);
        if (!(root instanceof DirectoryObject))
            return root === undefined ? Status.INVALID_HANDLE : Status.OBJECT_TYPE_MISMATCH;
        return { name: `${root.name}\\${attr.name}` };
    }
    if (!attr.name.startsWith("\\"))
        return Status.OBJECT_PATH_SYNTAX_BAD;
    return { name: attr.name };
}
/**
 * Creates (or opens, for an existing name of the same type) a named object and writes its
 * handle. Returns STATUS_OBJECT_NAME_EXISTS when an existing object was opened.
 */
export function createObject(c, pHandle, access, pAttr, type, make) {
    const named = objectName(c, pAttr);
    if (typeof named === "number")
        return named;
    let status = Status.SUCCESS;
    let object;
    const existing = named.name !== undefined ? c.process.namespace.lookup(named.name) : undefined;
    if (existing !== undefined) {
        if (!(existing instanceof type))
            return Status.OBJECT_TYPE_MISMATCH;
        object = existing;
        status = Status.OBJECT_NAME_EXISTS;
    }
    else {
        object = make();
        if (named.name !== undefined)
            c.process.namespace.insert(named.name, object);
    }
    return putHandle(c, pHandle, object, access) ?? status;
}
/** Opens an existing named object of `type`. */
export function openObject(c, pHandle, access, pAttr, type) {
    const named = objectName(c, pAttr);
    if (typeof named === "number")
        return named;
    if (named.name === undefined)
        return Status.OBJECT_PATH_SYNTAX_BAD;
    const o = c.process.namespace.lookup(named.name);
    if (o === undefined)
        return Status.OBJECT_NAME_NOT_FOUND;
    if (!(o instanceof type))
        return Status.OBJECT_TYPE_MISMATCH;
    return putHandle(c, pHandle, o, access) ?? Status.SUCCESS;
}
/** Adds a handle and writes it to `pHandle`; a failure status, or undefined on success. */
export function putHandle(c, pHandle, object, access = 0x1f0fff, attributes = 0) {
    c.process.guest.probe(pHandle, 4, true);
    const h = c.process.handles.add(object, access, attributes);
    if (h === undefined)
        return 0xc000011f; // STATUS_TOO_MANY_OPENED_FILES (handle table full)
    c.process.guest.setU32(pHandle, h);
    return undefined;
}
/**
 * A PLARGE_INTEGER timeout as a guest-clock deadline: NULL = none (undefined), negative =
 * relative (100 ns units), positive = absolute system time.
 */
export function deadlineOf(c, pTimeout) {
    if (pTimeout === 0)
        return undefined;
    const value = c.process.guest.i64(pTimeout);
    const now = c.process.machine.clock();
    let relative100ns;
    if (value < 0)
        relative100ns = -value;
    else
        relative100ns = Math.max(0, Number(BigInt(value) - c.process.systemTime()));
    if (relative100ns > 1e15)
        return undefined; // centuries: treat as infinite
    return now + Math.ceil(relative100ns * INSTRUCTIONS_PER_100NS);
}
