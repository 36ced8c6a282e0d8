/** Parses llvm-objdump -d output (golden files) into runs of contiguous instructions. */
import { readFileSync } from "node:fs";

export interface GoldenInstruction {
  readonly address: number;
  readonly length: number;
  readonly text: string;
}

export interface GoldenRun {
  readonly section: string;
  readonly start: number;
  readonly bytes: Uint8Array;
  readonly instructions: readonly GoldenInstruction[];
}

/** A line that is only a prefix objdump printed separately. */
const PREFIX_ONLY = /^(lock|rep|repe|repne|repz|repnz|data16|data32|addr16|addr32|cs|ds|es|ss|fs|gs|notrack|xacquire|xrelease)$/;

const LINE = /^\s*([0-9a-f]+):\s((?:[0-9a-f]{2}(?: |(?=\t)))+)\s*\t?(.*)$/;

export function parseObjdump(path: string): GoldenRun[] {
  const runs: GoldenRun[] = [];
  let section = "";
  let bytes: number[] = [];
  let insns: GoldenInstruction[] = [];
  let start = 0;
  let next = -1;
  const flush = (): void => {
    if (insns.length > 0) runs.push({ section, start, bytes: Uint8Array.from(bytes), instructions: insns });
    bytes = [];
    insns = [];
  };
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec !== null) {
      flush();
      section = sec[1]!;
      next = -1;
      continue;
    }
    const m = LINE.exec(line);
    if (m === null) continue;
    const address = parseInt(m[1]!, 16);
    const b = m[2]!.trim().split(" ").map((h) => parseInt(h, 16));
    if (address !== next) {
      flush();
      start = address;
    }
    const text = m[3]!.trim();
    const prev = insns[insns.length - 1];
    if (prev !== undefined && PREFIX_ONLY.test(prev.text) && prev.address + prev.length === address) {
      // objdump prints a lone prefix (lock, ...) on its own line: it belongs to this one.
      insns[insns.length - 1] = { address: prev.address, length: prev.length + b.length, text: `${prev.text} ${text}` };
    } else {
      insns.push({ address, length: b.length, text });
    }
    bytes.push(...b);
    next = address + b.length;
  }
  flush();
  return runs;
}
