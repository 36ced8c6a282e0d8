// The independent reference for call counts (samples/programs/callcounts/README.md): runs
// <program>-callcount.exe (the same source built with gcc -finstrument-functions, see
// ../programs/build.sh build_callcount) under real 32-bit Wine and derives, for every function
// of <program>.exe's own code, how many times a trace of <program>.exe must see it entered.
//
//   node samples/tools/callcount-reference.mjs run <wine launcher> [program...]   (Wine; slow)
//   node samples/tools/callcount-reference.mjs derive [program...]               (llvm tools only)
//
// `run` writes callcounts/<program>.wine.txt: the "callcount <rva> <calls>" lines Wine's run
// printed on stderr, sorted, plus its exit code. `derive` turns that, the instrumented image's
// COFF symbols, <program>.exe's COFF symbols and build.sh's callcounts/<program>.{functions,
// inlined}.txt into callcounts/<program>.json. Programs: crt and cpp (the default).
// A reference for writing the expectations, never a dependency of ntrace or its tests.
/* global console, process */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const programsDir = join(dirname(fileURLToPath(import.meta.url)), '../programs');
const countsDir = join(programsDir, 'callcounts');
const [mode, ...rest] = process.argv.slice(2);
const usage = 'usage: callcount-reference.mjs run <wine launcher> [program...] | derive [program...]';
if (mode !== 'run' && mode !== 'derive') {
  console.error(usage);
  process.exit(2);
}
const launcher = mode === 'run' ? rest.shift() : undefined;
if (mode === 'run' && !launcher) {
  console.error(usage);
  process.exit(2);
}
const programs = rest.length > 0 ? rest : ['crt', 'cpp'];
const expectations = JSON.parse(readFileSync(join(programsDir, 'expected.json'), 'utf8'));
const runtimes = JSON.parse(readFileSync(join(programsDir, 'runtimes.json'), 'utf8'));

/** Runs <p>-callcount.exe under Wine in a fresh directory holding the runtime DLLs <p>.exe needs. */
function runUnderWine(p) {
  const plain = expectations.find((e) => e.image === `samples/programs/${p}.exe` && (e.args ?? []).length === 0);
  if (!plain) throw new Error(`${p}.exe has no argument-less run in expected.json`);
  const dir = mkdtempSync(join(tmpdir(), 'ntrace-callcount-'));
  try {
    copyFileSync(join(programsDir, `${p}-callcount.exe`), join(dir, `${p}-callcount.exe`));
    for (const dll of plain.dlls ?? []) copyFileSync(runtimes[plain.runtime][dll].path, join(dir, dll));
    // Files, not pipes: Wine processes a run starts may outlive it holding them.
    const out = openSync(join(dir, 'stdout.txt'), 'w');
    const err = openSync(join(dir, 'stderr.txt'), 'w');
    const t0 = Date.now();
    const r = spawnSync(launcher, [`${p}-callcount.exe`], { cwd: dir, stdio: ['ignore', out, err], timeout: 1_800_000 });
    closeSync(out);
    closeSync(err);
    const stdout = readFileSync(join(dir, 'stdout.txt'), 'latin1');
    const lines = readFileSync(join(dir, 'stderr.txt'), 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('callcount '))
      .sort();
    // Wine's Unix exit status keeps 8 bits of the exit code.
    const exitCode = r.status;
    if (lines.length === 0) throw new Error(`${p}-callcount.exe under Wine printed no counts (status ${r.status})`);
    if (stdout !== plain.stdout.replace(/\r\n/g, '\n') && stdout !== plain.stdout) {
      throw new Error(`${p}-callcount.exe under Wine printed other output than ${p}.exe's expected.json run`);
    }
    if (exitCode !== (plain.exitCode & 0xff)) throw new Error(`${p}-callcount.exe exited with ${exitCode}, ${p}.exe with ${plain.exitCode}`);
    writeFileSync(join(countsDir, `${p}.wine.txt`), `# ${p}-callcount.exe under 32-bit Wine 8.0: exit ${exitCode}, ${lines.length} functions\n${lines.join('\n')}\n`);
    console.log(`${p}-callcount.exe: ${lines.length} functions counted under Wine (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Function symbols of a PE image: RVA → names (llvm-objdump -t values are section-relative). */
function functionSymbols(image) {
  const sections = [];
  const headers = execFileSync('llvm-readobj', ['--sections', image], { encoding: 'utf8' });
  for (const m of headers.matchAll(/Number: (\d+)\s+Name: \S+[^\n]*\n\s+VirtualSize: \S+\s+VirtualAddress: (0x[0-9A-F]+)/g)) {
    sections[Number(m[1])] = Number(m[2]);
  }
  const byRva = new Map();
  const table = execFileSync('llvm-objdump', ['-t', image], { encoding: 'utf8', maxBuffer: 1 << 26 });
  for (const m of table.matchAll(/\(sec +(\d+)\)\(fl 0x[0-9a-f]+\)\(ty +20\)\(scl +\d+\) \(nx \d\) 0x([0-9a-f]+) (\S+)/g)) {
    const base = sections[Number(m[1])];
    if (base === undefined) continue;
    const rva = base + parseInt(m[2], 16);
    byRva.set(rva, [...(byRva.get(rva) ?? []), m[3]]);
  }
  return byRva;
}

/** Parts gcc splits off a function (entered by jumps or only from the function itself). */
const isPart = (symbol) => /\.(part\.\d+|cold)(\.|$)/.test(symbol);

/**
 * The source function a symbol stands for: without the i386 C decoration (one leading
 * underscore), without gcc's clone suffixes (.isra.N, .constprop.N), and with the complete and
 * base constructor/destructor variants (C1/C2, D1/D2; DWARF names the abstract C4/D4) as one.
 */
function sourceFunction(symbol, decorated = true) {
  let name = decorated && symbol.startsWith('_') ? symbol.slice(1) : symbol;
  name = name.replace(/(\.(isra|constprop)\.\d+)+$/, '');
  if (name.startsWith('_Z')) name = name.replace(/(?<=[A-Za-z0-9_])C[124](?=[EI])/g, 'C4').replace(/(?<=[A-Za-z0-9_])D[124](?=[EI])/g, 'D4');
  return name;
}

function derive(p) {
  const lines = (file) =>
    readFileSync(join(countsDir, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
  const wine = lines(`${p}.wine.txt`).map((l) => {
    const [, rva, calls] = l.split(' ');
    return { rva: parseInt(rva, 16), calls: Number(calls) };
  });
  const own = new Set(lines(`${p}.functions.txt`));
  const inlinedNames = lines(`${p}.inlined.txt`);
  const inlinedKeys = new Set(inlinedNames.map((n) => sourceFunction(n, false)));
  // DWARF names a constructor's or destructor's abstract origin "X" / "~X", without a linkage
  // name: every constructor (C1/C2/C4) or destructor (D0/D1/D2/D4) of a class X counts as
  // inlined then (conservative: classes of the same name in other scopes too).
  const structors = inlinedNames
    .filter((n) => /^~?[A-Za-z_]\w*$/.test(n) && !n.startsWith('_Z'))
    .map((n) => (n.startsWith('~') ? new RegExp(`\\d${n.slice(1)}D[0124](?=[EI])`) : new RegExp(`\\d${n}C[124](?=[EI])`)));
  const isInlined = (key) => inlinedKeys.has(key) || (key.startsWith('_Z') && structors.some((re) => re.test(key)));

  // the reference: calls per source function
  const instrumented = functionSymbols(join(programsDir, `${p}-callcount.exe`));
  const reference = new Map();
  for (const { rva, calls } of wine) {
    const names = instrumented.get(rva);
    if (!names) throw new Error(`${p}-callcount.exe: no function symbol at rva 0x${rva.toString(16)} (counted ${calls} calls)`);
    for (const key of new Set(names.map((n) => sourceFunction(n)))) reference.set(key, (reference.get(key) ?? 0) + calls);
  }

  // what a trace of <p>.exe sees: its own functions' out-of-line copies
  const plain = functionSymbols(join(programsDir, `${p}.exe`));
  const copies = new Map(); // source function → { rvas, symbols }
  const parts = new Map();
  for (const [rva, names] of plain) {
    for (const symbol of names.filter((n) => own.has(n))) {
      const key = sourceFunction(symbol.replace(/\.(part\.\d+|cold).*$/, ''));
      const into = isPart(symbol) ? parts : copies;
      const entry = into.get(key) ?? { rvas: new Set(), symbols: new Set() };
      entry.rvas.add(rva);
      entry.symbols.add(symbol);
      into.set(key, entry);
    }
  }
  const functions = [];
  const notCompared = [];
  for (const key of [...new Set([...copies.keys(), ...parts.keys(), ...reference.keys()])].sort()) {
    const copy = copies.get(key);
    const calls = reference.get(key) ?? 0;
    let why;
    if (isInlined(key)) why = `inlined somewhere in ${p}.exe: its ${calls} source-level calls are not all calls of an out-of-line copy`;
    else if (!copy) why = parts.has(key) ? `only split-off parts (${[...parts.get(key).symbols].join(', ')}) are out of line` : `no out-of-line copy in ${p}.exe`;
    if (why !== undefined) {
      notCompared.push({ function: key, referenceCalls: calls, why });
      continue;
    }
    functions.push({ function: key, symbols: [...copy.symbols].sort(), rvas: [...copy.rvas].sort((a, b) => a - b).map(hex), calls });
  }
  const json = {
    note:
      `Independent reference for the call counts of a trace of ${p}.exe (see README.md). "functions": ${p}.exe's own functions ` +
      `whose every source-level call is a call of an out-of-line copy at "rvas" (clones such as .isra/.constprop included), ` +
      `with the calls gcc -finstrument-functions counted in ${p}-callcount.exe under real Wine. "notCompared": the rest, and why.`,
    program: `samples/programs/${p}.exe`,
    reference: `samples/programs/${p}-callcount.exe`,
    functions,
    notCompared,
  };
  writeFileSync(join(countsDir, `${p}.json`), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`${p}: ${functions.length} functions compared (${functions.reduce((s, f) => s + f.calls, 0)} calls), ${notCompared.length} not`);
}

function hex(n) {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

for (const p of programs) {
  if (mode === 'run') runUnderWine(p);
  derive(p);
}
