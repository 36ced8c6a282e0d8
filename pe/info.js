/**
 * What `ntrace info <image>` shows, as data (the --json shape) and as text. Pure: the CLI
 * reads the file and prints.
 */
import { hex } from "../base/index.js";
import { machineName } from "./headers.js";
import { subsystemName } from "./names.js";
import { debugTypeName } from "./debug.js";
export function peInfo(image) {
    return {
        kind: "pe",
        machine: image.machine,
        machineName: machineName(image.machine),
        timeDateStamp: image.timeDateStamp,
        characteristics: image.characteristics,
        isDll: image.isDll,
        imageBase: image.imageBase,
        entryRva: image.entryRva,
        sizeOfImage: image.sizeOfImage,
        subsystem: image.subsystem,
        subsystemName: subsystemName(image.subsystem),
        dllCharacteristics: image.dllCharacteristics,
        sections: image.sections.map((s) => ({ name: s.name, rva: s.rva, virtualSize: s.virtualSize, rawSize: s.rawSize, characteristics: s.characteristics })),
        imports: image.imports.map((d) => ({
            dll: d.dll,
            functions: d.functions.map((f) => (f.name !== undefined ? { name: f.name, ...(f.hint !== undefined ? { hint: f.hint } : {}) } : { ordinal: f.ordinal ?? 0 })),
        })),
        ...(image.exports !== null ? { exportDllName: image.exports.dllName } : {}),
        exports: (image.exports?.entries ?? []).map((e) => ({
            ordinal: e.ordinal,
            names: e.names,
            rva: e.rva,
            ...(e.forwarder !== undefined ? { forwarder: e.forwarder } : {}),
            code: e.code,
        })),
        debug: image.debug.map((d) => ({
            type: d.type,
            typeName: debugTypeName(d.type),
            timeDateStamp: d.timeDateStamp,
            sizeOfData: d.sizeOfData,
            ...(d.codeview !== undefined ? { codeview: { signature: d.codeview.signature, guid: d.codeview.guid, age: d.codeview.age, path: d.codeview.path } } : {}),
        })),
    };
}
/** Section characteristics as short flags: "code", "r", "w", "x", ... */
function sectionFlags(c) {
    const f = [];
    if (c & 0x20)
        f.push("code");
    if (c & 0x40)
        f.push("idata");
    if (c & 0x80)
        f.push("udata");
    if (c & 0x02000000)
        f.push("discardable");
    f.push(((c & 0x40000000) !== 0 ? "r" : "-") + ((c & 0x80000000) !== 0 ? "w" : "-") + ((c & 0x20000000) !== 0 ? "x" : "-"));
    return f.join(" ");
}
/** A readable listing, one fact per line, for the terminal. */
export function formatPeInfo(info, file) {
    const out = [];
    if (file !== undefined)
        out.push(`${file}: PE32 ${info.isDll ? "DLL" : "image"}`);
    out.push(`machine      ${info.machineName} (${hex(info.machine, 4)})`);
    out.push(`subsystem    ${info.subsystemName} (${info.subsystem})`);
    out.push(`image base   ${hex(info.imageBase)}`);
    out.push(`entry point  ${info.entryRva === 0 ? "none" : `RVA ${hex(info.entryRva)} (VA ${hex(info.imageBase + info.entryRva)})`}`);
    out.push(`image size   ${hex(info.sizeOfImage)}`);
    out.push(`timestamp    ${hex(info.timeDateStamp)}`);
    out.push("");
    out.push(`sections (${info.sections.length}):`);
    out.push(`  ${"name".padEnd(16)} ${"rva".padEnd(10)} ${"vsize".padEnd(10)} ${"rawsize".padEnd(10)} characteristics`);
    for (const s of info.sections) {
        out.push(`  ${s.name.padEnd(16)} ${hex(s.rva)} ${hex(s.virtualSize)} ${hex(s.rawSize)} ${hex(s.characteristics)} ${sectionFlags(s.characteristics)}`);
    }
    out.push("");
    const nImports = info.imports.reduce((n, d) => n + d.functions.length, 0);
    out.push(`imports (${info.imports.length} DLLs, ${nImports} functions):`);
    for (const d of info.imports) {
        out.push(`  ${d.dll}`);
        for (const f of d.functions)
            out.push("name" in f ? `    ${f.name}${f.hint !== undefined ? ` (hint ${f.hint})` : ""}` : `    #${f.ordinal}`);
    }
    out.push("");
    out.push(`exports (${info.exports.length})${info.exportDllName !== undefined ? ` of ${info.exportDllName}` : ""}:`);
    for (const e of info.exports) {
        const names = e.names.length > 0 ? e.names.join(", ") : "(ordinal only)";
        const where = e.forwarder !== undefined ? `-> ${e.forwarder}` : `${hex(e.rva)} ${e.code ? "code" : "data"}`;
        out.push(`  ${String(e.ordinal).padStart(5)}  ${where}  ${names}`);
    }
    out.push("");
    out.push(`debug directory (${info.debug.length}):`);
    for (const d of info.debug) {
        out.push(`  ${d.typeName} (${d.type}) size ${hex(d.sizeOfData)}`);
        if (d.codeview !== undefined) {
            out.push(`    ${d.codeview.signature} ${d.codeview.signature === "RSDS" ? "GUID" : "signature"} ${d.codeview.guid}  age ${d.codeview.age}`);
            out.push(`    PDB ${d.codeview.path}`);
        }
    }
    return out.join("\n") + "\n";
}
