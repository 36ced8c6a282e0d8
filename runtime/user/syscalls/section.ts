/**
 * Sections and views: image sections (SEC_IMAGE) are how Wine's loader maps the program's
 * DLLs and the system DLLs — the view is mapped as Windows' memory manager does it (headers,
 * sections, protections; relocated with STATUS_IMAGE_NOT_AT_BASE when the preferred base is
 * taken) and becomes a module the tracer sees before any of its code runs. Data sections map a
 * file's bytes (read from the file as the view's pages are first touched: a section never holds
 * a copy of its file) or fresh zero pages (named shared memory within the process).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { FormatError } from "../../../base/index.js";
import { GRANULARITY, PageProt, USER_LOW, pageUp, validPageProt, type PageSource } from "../../core/memory.js";
import { FileObject } from "../files.js";
import { imageInformation, mapImageView, readImageFile, type ImageFile } from "../images.js";
import { CURRENT_PROCESS, KernelObject } from "../objects.js";
import { SYSTEM32_GUEST } from "../process.js";
import { createObject, objectOf, openObject } from "./common.js";
import { HIGHEST_VAD_ADDRESS } from "./memory.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const SEC_IMAGE = 0x1000000;
/** The largest data section ntrace creates (pagefile-backed sections are zero pages in guest memory). */
const MAX_DATA_SECTION = 0x10000000;
const STATUS_INVALID_PARAMETER_3 = 0xc00000f1;

/** A file a data section maps: read page by page as the views are touched, never whole. */
interface SectionFile {
  readonly hostPath: string;
  readonly size: number;
}

/** The pages of a view of `file` from `viewOffset` on: the file's bytes (read when touched), zeros past its end. */
function fileSource(file: SectionFile, viewOffset: number): PageSource {
  return {
    fill(offset: number, into: Uint8Array): void {
      const at = viewOffset + offset;
      const n = Math.min(into.length, file.size - at);
      if (n <= 0) return;
      const fd = openSync(file.hostPath, "r");
      try {
        let done = 0;
        while (done < n) {
          const got = readSync(fd, into, done, n - done, at + done);
          if (got === 0) break;
          done += got;
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The first two bytes of a file ("MZ" or not), read without reading the rest. */
function fileStart(hostPath: string): Uint8Array {
  const head = new Uint8Array(2);
  const fd = openSync(hostPath, "r");
  try {
    return head.subarray(0, readSync(fd, head, 0, 2, 0));
  } finally {
    closeSync(fd);
  }
}

export class SectionObject extends KernelObject {
  readonly type = "Section";
  constructor(
    readonly image: ImageFile | undefined,
    /** Data sections: the file a view shows (undefined: zero pages). */
    readonly file: SectionFile | undefined,
    readonly size: number,
    readonly protect: number,
    readonly guestPath: string,
  ) {
    super();
  }
}

function createSection(c: SyscallCall): number {
  const [pHandle, access, pAttr, pMaxSize, protect, attributes, fileHandle] = c.args as number[] as [number, number, number, number, number, number, number];
  const p = c.process;
  if (!validPageProt(protect)) return Status.INVALID_PAGE_PROTECTION;
  const maxSize = pMaxSize !== 0 ? p.guest.i64(pMaxSize) : 0;
  let file: FileObject | undefined;
  if (fileHandle !== 0) {
    const f = objectOf(c, fileHandle, FileObject);
    if (typeof f === "number") return f;
    file = f;
  }
  if ((attributes & SEC_IMAGE) !== 0) {
    if (file === undefined || file.hostPath === undefined || file.kind !== "file") return Status.INVALID_FILE_FOR_SECTION;
    let image: ImageFile;
    try {
      image = readImageFile(file.hostPath);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      const head = fileStart(file.hostPath);
      return head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a ? Status.INVALID_IMAGE_FORMAT : Status.INVALID_IMAGE_NOT_MZ;
    }
    return createObject(c, pHandle, access, pAttr, SectionObject, () => new SectionObject(image, undefined, pageUp(image.layout.sizeOfImage), protect, file!.guestPath));
  }
  let mapped: SectionFile | undefined;
  let size = maxSize;
  if (file !== undefined) {
    if (file.hostPath === undefined || file.kind !== "file") return Status.INVALID_FILE_FOR_SECTION;
    mapped = { hostPath: file.hostPath, size: statSync(file.hostPath).size };
    if (size === 0) size = mapped.size;
    if (size === 0) return 0xc000011e; // STATUS_MAPPED_FILE_SIZE_ZERO
  } else if (size === 0) return Status.INVALID_PARAMETER;
  if (size > MAX_DATA_SECTION) return 0xc0000040; // STATUS_SECTION_TOO_BIG
  return createObject(c, pHandle, access, pAttr, SectionObject, () => new SectionObject(undefined, mapped, size, protect, file?.guestPath ?? ""));
}

function mapView(c: SyscallCall): number {
  const [handle, process, pBase, , , pOffset, pViewSize, , allocationType, protect] = c.args as number[] as [number, number, number, number, number, number, number, number, number, number];
  const p = c.process;
  if (process >>> 0 !== CURRENT_PROCESS && p.handles.get(process) !== p.processObject) return Status.INVALID_HANDLE;
  const s = objectOf(c, handle, SectionObject);
  if (typeof s === "number") return s;
  const g = p.guest;
  const wanted = g.u32(pBase);
  // No view in the system range or over KUSER_SHARED_DATA (Windows: the base is parameter 3).
  if (wanted > HIGHEST_VAD_ADDRESS) return STATUS_INVALID_PARAMETER_3;
  if (wanted !== 0 && wanted < USER_LOW) return Status.CONFLICTING_ADDRESSES;
  if (s.image !== undefined) {
    if (wanted !== 0 && HIGHEST_VAD_ADDRESS + 1 - wanted < s.size) return STATUS_INVALID_PARAMETER_3;
    const system = s.guestPath.toLowerCase().startsWith(SYSTEM32_GUEST.toLowerCase() + "\\");
    const mapped = mapImageView(p.machine, s.image, { guestPath: s.guestPath, system, ...(wanted !== 0 ? { base: wanted } : {}) });
    if (mapped.module === undefined) return mapped.status;
    g.setU32(pBase, mapped.module.base);
    g.setU32(pViewSize, mapped.module.size);
    p.onImageMapped(mapped.module);
    return mapped.status;
  }
  // A data view.
  const offset = pOffset !== 0 ? g.i64(pOffset) : 0;
  if (offset % GRANULARITY !== 0 || offset < 0 || offset > s.size) return Status.MAPPED_ALIGNMENT;
  let viewSize = g.u32(pViewSize);
  if (viewSize === 0) viewSize = s.size - offset;
  if (viewSize > s.size - offset || viewSize <= 0) return Status.INVALID_VIEW_SIZE;
  const size = pageUp(viewSize);
  const mem = p.machine.memory;
  let base: number | undefined = wanted;
  if (wanted !== 0) {
    if (HIGHEST_VAD_ADDRESS + 1 - wanted < size) return STATUS_INVALID_PARAMETER_3;
    if (wanted % GRANULARITY !== 0 || !mem.isFree(wanted, size)) return Status.CONFLICTING_ADDRESSES;
  } else base = mem.findFree(size, USER_LOW, HIGHEST_VAD_ADDRESS + 1, GRANULARITY, (allocationType & 0x100000) !== 0);
  if (base === undefined) return Status.NO_MEMORY;
  const prot = validPageProt(protect) ? protect : PageProt.READONLY;
  const source = s.file !== undefined ? fileSource(s.file, offset) : undefined;
  mem.reserve(base, size, "mapped", s.guestPath !== "" ? s.guestPath : "section view", prot, source);
  mem.commit(base, size, prot);
  g.setU32(pBase, base);
  g.setU32(pViewSize, size);
  return Status.SUCCESS;
}

function unmapView(c: SyscallCall, process: number, base: number): number {
  const p = c.process;
  if (process >>> 0 !== CURRENT_PROCESS && p.handles.get(process) !== p.processObject) return Status.INVALID_HANDLE;
  const a = p.machine.memory.allocationAt(base);
  if (a === undefined || (a.kind !== "image" && a.kind !== "mapped")) return Status.NOT_MAPPED_VIEW;
  const module = a.kind === "image" ? p.machine.moduleAt(a.base) : undefined;
  if (module !== undefined) p.onImageUnmapped(module);
  p.machine.memory.release(a.base);
  return Status.SUCCESS;
}

function querySection(c: SyscallCall): number {
  const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
  const s = objectOf(c, handle, SectionObject);
  if (typeof s === "number") return s;
  const g = c.process.guest;
  let data: Uint8Array;
  if (cls === 0) {
    data = new Uint8Array(16);
    const v = new DataView(data.buffer);
    v.setUint32(4, s.image !== undefined ? SEC_IMAGE | 0x8000000 : 0x8000000, true); // SEC_COMMIT
    v.setBigUint64(8, BigInt(s.size), true);
  } else if (cls === 1) {
    if (s.image === undefined) return Status.SECTION_NOT_IMAGE;
    data = imageInformation(s.image);
  } else return Status.INVALID_INFO_CLASS;
  g.optU32(pReturn, data.length);
  if (length < data.length) return Status.INFO_LENGTH_MISMATCH;
  g.write(buffer, data);
  return Status.SUCCESS;
}

export const sectionSyscalls: SyscallTable = {
  NtCreateSection: { args: ["ptr", "access", "objattr", "plarge", "ulong", "ulong", "handle"], handler: createSection },
  NtOpenSection: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, SectionObject) },
  NtMapViewOfSection: { args: ["handle", "handle", "ptr", "ulong", "ulong", "plarge", "psize", "ulong", "ulong", "ulong"], handler: mapView },
  NtMapViewOfSectionEx: {
    args: ["handle", "handle", "ptr", "plarge", "psize", "ulong", "ulong", "ptr", "ulong"],
    handler: (c) => {
      const [handle, process, pBase, pOffset, pSize, type, protect] = c.args as number[] as [number, number, number, number, number, number, number];
      return mapView({ ...c, args: [handle, process, pBase, 0, 0, pOffset, pSize, 1, type, protect] });
    },
  },
  NtUnmapViewOfSection: { args: ["handle", "ptr"], handler: (c) => unmapView(c, c.args[0]!, c.args[1]!) },
  NtUnmapViewOfSectionEx: { args: ["handle", "ptr", "ulong"], handler: (c) => unmapView(c, c.args[0]!, c.args[1]!) },
  NtQuerySection: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: querySection },
  NtAreMappedFilesTheSame: {
    args: ["ptr", "ptr"],
    handler: (c) => {
      const m = c.process.machine;
      const [a, b] = c.args as [number, number];
      const ma = m.moduleAt(a);
      const mb = m.moduleAt(b);
      if (m.memory.allocationAt(a) === undefined || m.memory.allocationAt(b) === undefined) return Status.INVALID_ADDRESS;
      if (ma === undefined || mb === undefined) return 0xc00000d4; // STATUS_NOT_SAME_DEVICE
      return ma.path === mb.path ? Status.SUCCESS : 0xc00001ac; // STATUS_NOT_SAME_OBJECT
    },
  },
};
