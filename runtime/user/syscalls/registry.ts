/**
 * The registry: keys and values of the process's in-memory hive (registry.ts), with the
 * information classes Wine's advapi32, kernelbase and the C runtimes use.
 */
import { utf16le } from "../guest.js";
import { KernelObject } from "../objects.js";
import type { RegKey, RegValue } from "../registry.js";
import { objectOf, putHandle } from "./common.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

export class KeyObject extends KernelObject {
  readonly type = "Key";
  constructor(readonly key: RegKey) {
    super();
    this.name = key.path;
  }
}

/** Longest value data ntrace stores (the registry's own limit for a value is 1 MB in practice). */
const MAX_VALUE_DATA = 0x100000;
/** What a key costs against the registry quota besides its name (the host's object for it). */
const KEY_COST = 0x100;
const STATUS_INSUFFICIENT_RESOURCES = 0xc000009a;
const REG_CREATED_NEW_KEY = 1;
const REG_OPENED_EXISTING_KEY = 2;

/** The key OBJECT_ATTRIBUTES name (absolute, or relative to a root key handle). */
function keyTarget(c: SyscallCall, pAttr: number): { readonly from: RegKey; readonly path: string } | number {
  const attr = c.process.guest.objectAttributes(pAttr);
  if (attr === undefined || attr.name === undefined) return Status.OBJECT_PATH_SYNTAX_BAD;
  if (attr.root !== 0) {
    const root = objectOf(c, attr.root, KeyObject);
    if (typeof root === "number") return root;
    if (root.key.deleted) return 0xc000017c; // STATUS_KEY_DELETED
    return { from: root.key, path: attr.name };
  }
  if (!/^\\registry(\\|$)/i.test(attr.name)) return Status.OBJECT_PATH_SYNTAX_BAD;
  return { from: c.process.registry.root, path: attr.name };
}

function openKey(c: SyscallCall, pHandle: number, access: number, pAttr: number): number {
  const target = keyTarget(c, pAttr);
  if (typeof target === "number") return target;
  const key = c.process.registry.open(target.path, target.from);
  if (key === undefined) return Status.OBJECT_NAME_NOT_FOUND;
  return putHandle(c, pHandle, new KeyObject(key), access) ?? Status.SUCCESS;
}

function createKey(c: SyscallCall): number {
  const [pHandle, access, pAttr, , , , pDisposition] = c.args as number[] as [number, number, number, number, number, number, number];
  const target = keyTarget(c, pAttr);
  if (typeof target === "number") return target;
  const reg = c.process.registry;
  const existing = reg.open(target.path, target.from);
  if (existing === undefined && !reg.parentExists(target.path, target.from)) return Status.OBJECT_NAME_NOT_FOUND;
  // Keys live in host memory until the process ends: what the guest adds is bounded (Registry.QUOTA).
  if (existing === undefined && !reg.charge(2 * target.path.length + KEY_COST)) return STATUS_INSUFFICIENT_RESOURCES;
  const key = existing ?? reg.create(target.path, target.from);
  if (existing === undefined) key.lastWrite = c.process.systemTime();
  c.process.guest.optU32(pDisposition, existing === undefined ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY);
  return putHandle(c, pHandle, new KeyObject(key), access) ?? Status.SUCCESS;
}

/** KEY_VALUE_*_INFORMATION of `v` for class `cls`. */
function valueInformation(v: RegValue, cls: number): Uint8Array | undefined {
  const name = utf16le(v.name);
  switch (cls) {
    case 0: {
      // KeyValueBasicInformation
      const out = new Uint8Array(12 + name.length);
      const dv = new DataView(out.buffer);
      dv.setUint32(4, v.type, true);
      dv.setUint32(8, name.length, true);
      out.set(name, 12);
      return out;
    }
    case 1: {
      // KeyValueFullInformation
      const dataOffset = (20 + name.length + 3) & ~3;
      const out = new Uint8Array(dataOffset + v.data.length);
      const dv = new DataView(out.buffer);
      dv.setUint32(4, v.type, true);
      dv.setUint32(8, dataOffset, true);
      dv.setUint32(12, v.data.length, true);
      dv.setUint32(16, name.length, true);
      out.set(name, 20);
      out.set(v.data, dataOffset);
      return out;
    }
    case 2: {
      // KeyValuePartialInformation
      const out = new Uint8Array(12 + v.data.length);
      const dv = new DataView(out.buffer);
      dv.setUint32(4, v.type, true);
      dv.setUint32(8, v.data.length, true);
      out.set(v.data, 12);
      return out;
    }
    default:
      return undefined;
  }
}

/** KEY_*_INFORMATION of a key for class `cls` (basic, node, full, name, cached). */
function keyInformation(key: RegKey, cls: number): Uint8Array | undefined {
  const name = utf16le(key.name);
  const subkeys = [...key.subkeys.values()].filter((k) => !k.deleted);
  const values = [...key.values.values()];
  const maxName = Math.max(0, ...subkeys.map((k) => 2 * k.name.length));
  const maxValueName = Math.max(0, ...values.map((v) => 2 * v.name.length));
  const maxData = Math.max(0, ...values.map((v) => v.data.length));
  switch (cls) {
    case 0: {
      // KeyBasicInformation
      const out = new Uint8Array(16 + name.length);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, key.lastWrite, true);
      dv.setUint32(12, name.length, true);
      out.set(name, 16);
      return out;
    }
    case 1: {
      // KeyNodeInformation (no class)
      const out = new Uint8Array(24 + name.length);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, key.lastWrite, true);
      dv.setUint32(12, 0xffffffff, true);
      dv.setUint32(20, name.length, true);
      out.set(name, 24);
      return out;
    }
    case 2: {
      // KeyFullInformation
      const out = new Uint8Array(44);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, key.lastWrite, true);
      dv.setUint32(12, 0xffffffff, true);
      dv.setUint32(20, subkeys.length, true);
      dv.setUint32(24, maxName, true);
      dv.setUint32(32, values.length, true);
      dv.setUint32(36, maxValueName, true);
      dv.setUint32(40, maxData, true);
      return out;
    }
    case 3: {
      // KeyNameInformation: the full path
      const full = utf16le(key.path);
      const out = new Uint8Array(4 + full.length);
      new DataView(out.buffer).setUint32(0, full.length, true);
      out.set(full, 4);
      return out;
    }
    case 4: {
      // KeyCachedInformation
      const out = new Uint8Array(36);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, key.lastWrite, true);
      dv.setUint32(12, subkeys.length, true);
      dv.setUint32(16, maxName, true);
      dv.setUint32(20, values.length, true);
      dv.setUint32(24, maxValueName, true);
      dv.setUint32(28, maxData, true);
      dv.setUint32(32, name.length, true);
      return out;
    }
    default:
      return undefined;
  }
}

/** Writes registry information: the fixed part must fit (else BUFFER_TOO_SMALL), the rest may overflow. */
function writeInfo(c: SyscallCall, data: Uint8Array, fixed: number, buffer: number, length: number, pReturn: number): number {
  const g = c.process.guest;
  g.optU32(pReturn, data.length);
  if (length < fixed) return Status.BUFFER_TOO_SMALL;
  if (length < data.length) {
    g.write(buffer, data.subarray(0, fixed));
    return Status.BUFFER_OVERFLOW;
  }
  g.write(buffer, data);
  return Status.SUCCESS;
}

const VALUE_FIXED = [12, 20, 12] as const;
const KEY_FIXED = [16, 24, 44, 4, 36] as const;

export const registrySyscalls: SyscallTable = {
  NtOpenKey: { args: ["ptr", "access", "objattr"], handler: (c) => openKey(c, c.args[0]!, c.args[1]!, c.args[2]!) },
  NtOpenKeyEx: { args: ["ptr", "access", "objattr", "ulong"], handler: (c) => openKey(c, c.args[0]!, c.args[1]!, c.args[2]!) },
  NtOpenKeyTransacted: { args: ["ptr", "access", "objattr", "handle"], handler: (c) => openKey(c, c.args[0]!, c.args[1]!, c.args[2]!) },
  NtCreateKey: { args: ["ptr", "access", "objattr", "ulong", "ustr", "ulong", "ptr"], handler: createKey },
  NtQueryValueKey: {
    args: ["handle", "ustr", "class", "ptr", "ulong", "ptr"],
    handler: (c) => {
      const [handle, pName, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number, number];
      const k = objectOf(c, handle, KeyObject);
      if (typeof k === "number") return k;
      const v = k.key.value(c.process.guest.unicodeString(pName) ?? "");
      if (v === undefined) return Status.OBJECT_NAME_NOT_FOUND;
      const data = valueInformation(v, cls);
      if (data === undefined) return Status.INVALID_PARAMETER;
      return writeInfo(c, data, VALUE_FIXED[cls as 0 | 1 | 2], buffer, length, pReturn);
    },
  },
  NtSetValueKey: {
    args: ["handle", "ustr", "ulong", "ulong", "ptr", "ulong"],
    handler: (c) => {
      const [handle, pName, , type, pData, size] = c.args as [number, number, number, number, number, number];
      const k = objectOf(c, handle, KeyObject);
      if (typeof k === "number") return k;
      if (size > MAX_VALUE_DATA) return Status.INVALID_PARAMETER;
      const name = c.process.guest.unicodeString(pName) ?? "";
      const old = k.key.value(name);
      const data = c.process.guest.read(pData, size);
      if (!c.process.registry.charge(size + 2 * name.length - (old !== undefined ? old.data.length + 2 * old.name.length : 0))) return STATUS_INSUFFICIENT_RESOURCES;
      k.key.setValue(name, type, new Uint8Array(data));
      k.key.lastWrite = c.process.systemTime();
      return Status.SUCCESS;
    },
  },
  NtDeleteValueKey: {
    args: ["handle", "ustr"],
    handler: (c) => {
      const k = objectOf(c, c.args[0]!, KeyObject);
      if (typeof k === "number") return k;
      const name = c.process.guest.unicodeString(c.args[1]!) ?? "";
      const old = k.key.value(name);
      if (old === undefined) return Status.OBJECT_NAME_NOT_FOUND;
      k.key.values.delete(name.toLowerCase());
      c.process.registry.charge(-(old.data.length + 2 * old.name.length));
      return Status.SUCCESS;
    },
  },
  NtEnumerateValueKey: {
    args: ["handle", "ulong", "class", "ptr", "ulong", "ptr"],
    handler: (c) => {
      const [handle, index, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number, number];
      const k = objectOf(c, handle, KeyObject);
      if (typeof k === "number") return k;
      const v = [...k.key.values.values()][index];
      if (v === undefined) return Status.NO_MORE_ENTRIES;
      const data = valueInformation(v, cls);
      if (data === undefined) return Status.INVALID_PARAMETER;
      return writeInfo(c, data, VALUE_FIXED[cls as 0 | 1 | 2], buffer, length, pReturn);
    },
  },
  NtEnumerateKey: {
    args: ["handle", "ulong", "class", "ptr", "ulong", "ptr"],
    handler: (c) => {
      const [handle, index, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number, number];
      const k = objectOf(c, handle, KeyObject);
      if (typeof k === "number") return k;
      const sub = [...k.key.subkeys.values()].filter((x) => !x.deleted)[index];
      if (sub === undefined) return Status.NO_MORE_ENTRIES;
      const data = keyInformation(sub, cls);
      if (data === undefined) return Status.INVALID_PARAMETER;
      return writeInfo(c, data, KEY_FIXED[cls as 0 | 1 | 2 | 3 | 4], buffer, length, pReturn);
    },
  },
  NtQueryKey: {
    args: ["handle", "class", "ptr", "ulong", "ptr"],
    handler: (c) => {
      const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
      const k = objectOf(c, handle, KeyObject);
      if (typeof k === "number") return k;
      const data = keyInformation(k.key, cls);
      if (data === undefined) return Status.INVALID_PARAMETER;
      return writeInfo(c, data, KEY_FIXED[cls as 0 | 1 | 2 | 3 | 4], buffer, length, pReturn);
    },
  },
  NtDeleteKey: {
    args: ["handle"],
    handler: (c) => {
      const k = objectOf(c, c.args[0]!, KeyObject);
      if (typeof k === "number") return k;
      if ([...k.key.subkeys.values()].some((x) => !x.deleted)) return Status.CANNOT_DELETE;
      k.key.deleted = true;
      k.key.parent?.subkeys.delete(k.key.name.toLowerCase());
      return Status.SUCCESS;
    },
  },
  NtFlushKey: { args: ["handle"], handler: () => Status.SUCCESS },
  NtNotifyChangeKey: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ulong", "bool", "ptr", "ulong", "bool"], handler: () => Status.PENDING },
  NtNotifyChangeMultipleKeys: { args: ["handle", "ulong", "objattr", "handle", "ptr", "ptr", "iosb", "ulong", "bool", "ptr", "ulong", "bool"], handler: () => Status.PENDING },
};
