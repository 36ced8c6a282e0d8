/**
 * Address → symbol lookup over a PDB's procedures and publics, built once into sorted typed
 * arrays and answered by binary search (the reader symbolizes millions of events with it).
 *
 * Rule: the innermost procedure containing the RVA (the one starting last among those with
 * start <= rva < start + size); else the nearest function public at or before the RVA in the
 * same section; null before the first symbol, outside every section, or when nothing fits.
 */
import { rva as toRva } from "../../base/index.js";
export class PdbSymbolizer {
    /** Procedures first (sorted by RVA), then function publics (sorted by RVA). */
    entries;
    procCount;
    procIndex;
    procStart;
    /** Exclusive ends, clamped to 2^32 - 1. */
    procEnd;
    /** No two procedures overlap: then the last hit can answer the next lookup directly. */
    procDisjoint;
    lastProc = -1;
    /** For procedure i: the nearest j < i whose end lies beyond end[i], or -1 (see findProcedure). */
    procPrevLonger;
    pubIndex;
    pubSection;
    secStart;
    secEnd;
    /** 1-based section number of each section in `secStart` order. */
    sectionNumberBySorted;
    constructor(pdb) {
        const sections = [...pdb.sectionHeaders].map((s, i) => ({ s, i })).sort((a, b) => a.s.virtualAddress - b.s.virtualAddress);
        this.secStart = Uint32Array.from(sections, ({ s }) => s.virtualAddress);
        this.secEnd = Float64Array.from(sections, ({ s }) => s.virtualAddress + s.virtualSize);
        const procs = pdb.procedures.filter((p) => p.rva !== undefined && p.size > 0);
        // Sort by start; among equal starts the larger one first, so the smaller (inner) one wins.
        procs.sort((a, b) => a.rva - b.rva || b.size - a.size);
        this.procCount = procs.length;
        this.procStart = Uint32Array.from(procs, (p) => p.rva);
        this.procIndex = new SortedStarts(this.procStart);
        this.procEnd = Uint32Array.from(procs, (p) => Math.min(0xffffffff, p.rva + p.size));
        this.procPrevLonger = prevLonger(this.procEnd);
        let disjoint = true;
        for (let i = 1; i < procs.length && disjoint; i++)
            disjoint = this.procStart[i] >= this.procEnd[i - 1];
        this.procDisjoint = disjoint;
        const pubs = pdb.publics.filter((p) => p.isFunction && p.rva !== undefined);
        pubs.sort((a, b) => a.rva - b.rva);
        this.pubIndex = new SortedStarts(Uint32Array.from(pubs, (p) => p.rva));
        this.pubSection = Int32Array.from(pubs, (p) => p.section);
        this.entries = [
            ...procs.map((p) => ({ name: p.name, rva: p.rva, size: p.size, source: "procedure" })),
            ...pubs.map((p) => ({ name: p.name, rva: p.rva, size: undefined, source: "public" })),
        ];
        // Section numbers of publics are 1-based indices into the unsorted header list.
        this.sectionNumberBySorted = Int32Array.from(sections, ({ i }) => i + 1);
    }
    /** Index into `entries` of the symbol for `rva`, or -1. Allocation-free. */
    indexOf(rva) {
        if (!(rva >= 0 && rva <= 0xffffffff))
            return -1; // RVAs are 32-bit (also rejects NaN)
        const sorted = this.sectionOf(rva);
        if (sorted < 0 && this.secStart.length > 0)
            return -1;
        const proc = this.findProcedure(rva);
        if (proc >= 0)
            return proc;
        const i = this.pubIndex.lastAtOrBefore(rva);
        if (i < 0)
            return -1;
        if (sorted >= 0 && this.pubSection[i] !== this.sectionNumberBySorted[sorted])
            return -1;
        return this.procCount + i;
    }
    /** The symbol containing `rva` and the offset into it, or null. */
    lookup(rva) {
        const index = this.indexOf(rva);
        if (index < 0)
            return null;
        const e = this.entries[index];
        return e.size !== undefined
            ? { name: e.name, rva: toRva(e.rva), offset: rva - e.rva, size: e.size, source: e.source }
            : { name: e.name, rva: toRva(e.rva), offset: rva - e.rva, source: e.source };
    }
    sectionOf(rva) {
        const i = lastAtOrBefore(this.secStart, rva);
        return i >= 0 && rva < this.secEnd[i] ? i : -1;
    }
    /**
     * Last procedure (in start order) that contains rva. Start from the last one starting at or
     * before rva; while it ends at or before rva, jump to the nearest earlier procedure that
     * ends later. Procedures skipped by the jump end no later than the current one, so none of
     * them can contain rva either.
     */
    findProcedure(rva) {
        const last = this.lastProc;
        if (this.procDisjoint && last >= 0 && rva >= this.procStart[last] && rva < this.procEnd[last])
            return last;
        let i = this.procIndex.lastAtOrBefore(rva);
        while (i >= 0 && this.procEnd[i] <= rva)
            i = this.procPrevLonger[i];
        if (i >= 0)
            this.lastProc = i;
        return i;
    }
}
/** Index of the last element <= value in an ascending array, or -1 (plain binary search). */
function lastAtOrBefore(sorted, value) {
    return lastAtOrBeforeIn(sorted, value, 0, sorted.length);
}
function lastAtOrBeforeIn(sorted, value, from, to) {
    let lo = from;
    let hi = to;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] <= value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}
/**
 * Ascending start addresses with a bucket table over the address span: bucket b covers
 * [base + (b << shift), base + ((b + 1) << shift)) and records the first element that starts
 * at or after the bucket's start, so a search only binary-searches the few elements of one
 * bucket instead of the whole array (random lookups over 100,000 symbols stay in cache).
 */
class SortedStarts {
    starts;
    base;
    shift;
    firstAtOrAfter;
    constructor(starts) {
        this.starts = starts;
        const n = starts.length;
        this.base = n > 0 ? starts[0] : 0;
        const span = n > 0 ? starts[n - 1] - this.base + 1 : 1;
        let shift = 0;
        while (span / 2 ** shift > Math.max(1, n))
            shift++; // at most ~n buckets
        this.shift = shift;
        const buckets = Math.floor((span - 1) / 2 ** shift) + 2;
        const table = new Uint32Array(buckets);
        let i = 0;
        for (let b = 0; b < buckets; b++) {
            const bucketStart = this.base + b * 2 ** shift; // (no overflow: b << shift <= span + 2^shift)
            while (i < n && starts[i] < bucketStart)
                i++;
            table[b] = i;
        }
        this.firstAtOrAfter = table;
    }
    /** Index of the last start <= value, or -1. */
    lastAtOrBefore(value) {
        const n = this.starts.length;
        if (n === 0 || value < this.base)
            return -1;
        const b = (value - this.base) >>> this.shift;
        if (b + 1 >= this.firstAtOrAfter.length)
            return n - 1;
        // Every start in [table[b], table[b+1]) lies in bucket b; the answer is in that range or
        // is the element just before it.
        // Starts before table[b] are below the bucket (so <= value), starts from table[b+1] on are
        // above it: the answer is in [table[b] - 1, table[b+1]).
        return lastAtOrBeforeIn(this.starts, value, this.firstAtOrAfter[b], this.firstAtOrAfter[b + 1]);
    }
}
/** For each i, the nearest j < i with end[j] > end[i] (monotonic stack), or -1. */
function prevLonger(end) {
    const out = new Int32Array(end.length);
    const stack = [];
    for (let i = 0; i < end.length; i++) {
        while (stack.length > 0 && end[stack[stack.length - 1]] <= end[i])
            stack.pop();
        out[i] = stack.length > 0 ? stack[stack.length - 1] : -1;
        stack.push(i);
    }
    return out;
}
/** A symbolizer for any Pdb-shaped value (parsed, or built by a test or a generator). */
export function createSymbolizer(pdb) {
    return new PdbSymbolizer(pdb);
}
