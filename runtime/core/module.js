/** A PE image mapped in the guest, as the machine lists it (LoadedModule). */
import { basename } from "node:path";
import { parsePe } from "../../pe/index.js";
export class ImageModule {
    path;
    guestPath;
    base;
    size;
    layout;
    system;
    name;
    builtin = false;
    bytes;
    entry;
    parsed;
    constructor(
    /** Host path of the file. */
    path, guestPath, base, size, layout, system, name) {
        this.path = path;
        this.guestPath = guestPath;
        this.base = base;
        this.size = size;
        this.layout = layout;
        this.system = system;
        this.name = name ?? basename(path);
        this.bytes = layout.bytes;
        this.entry = layout.entryRva !== 0 ? base + layout.entryRva : 0;
    }
    /** The whole parsed image (directories, symbols): parsed on first use, large system DLLs cost tens of ms. */
    get image() {
        this.parsed ??= parsePe(this.bytes, this.path);
        return this.parsed;
    }
}
