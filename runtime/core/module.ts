/** A PE image mapped in the guest, as the machine lists it (LoadedModule). */
import { basename } from "node:path";
import { exportRvasOf, parsePe, parsePeExports, type ExportTable, type PeImage, type PeLayout } from "../../pe/index.js";
import type { LoadedModule } from "./types.js";

export class ImageModule implements LoadedModule {
  readonly name: string;
  readonly builtin = false;
  readonly bytes: Uint8Array;
  readonly entry: number;
  private parsed: PeImage | undefined;

  constructor(
    /** Host path of the file. */
    readonly path: string,
    readonly guestPath: string,
    readonly base: number,
    readonly size: number,
    readonly layout: PeLayout,
    readonly system: boolean,
    name?: string,
    /** Reads the whole file into layout.bytes (lazily read files) before a full parse. */
    private readonly readAll: () => void = () => undefined,
    /** The full parse, when the caller has it already. */
    parsed?: PeImage,
    /** The export table alone, without the full parse (else it comes from `image`). */
    private readonly loadExports?: () => ExportTable | null,
    /** Named exports without the table (else they come from `exports`). */
    private readonly findExports?: (names: readonly string[]) => ReadonlyMap<string, number>,
  ) {
    this.parsed = parsed;
    this.name = name ?? basename(path);
    this.bytes = layout.bytes;
    this.entry = layout.entryRva !== 0 ? base + layout.entryRva : 0;
  }

  /** The whole parsed image (directories, symbols): read and parsed on first use (a large system DLL costs tens of ms). */
  ensureRead(): void {
    this.readAll();
  }

  /** The export table: from the full parse when there is one, else parsed alone on first use. */
  get exports(): ExportTable | null {
    if (this.parsed !== undefined) return this.parsed.exports;
    if (this.exportTable === undefined) {
      if (this.loadExports !== undefined) this.exportTable = this.loadExports();
      else {
        this.readAll();
        this.exportTable = parsePeExports(this.layout, this.path);
      }
    }
    return this.exportTable;
  }
  private exportTable: ExportTable | null | undefined;

  exportRvas(names: readonly string[]): ReadonlyMap<string, number> {
    const table = this.parsed?.exports ?? this.exportTable;
    if (table === undefined && this.findExports !== undefined) return this.findExports(names);
    return exportRvasOf(table === undefined ? this.exports : table, names);
  }

  /** The whole parsed image (directories, symbols): parsed on first use. */
  get image(): PeImage {
    if (this.parsed === undefined) {
      this.readAll();
      this.parsed = parsePe(this.bytes, this.path);
    }
    return this.parsed;
  }
}
