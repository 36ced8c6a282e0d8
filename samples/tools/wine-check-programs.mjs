// Confirm samples/programs/expected.json under a real Windows-compatible runtime (32-bit Wine):
// every run is started by runner.exe (samples/tools/runner.c) with the expectation's exact
// command line, its stdout redirected to a file, and compared byte for byte, together with the
// full 32-bit exit code. A reference for writing the expectations, never a dependency of ntrace
// or its tests.
//
//   node samples/tools/wine-check-programs.mjs "$(/work/shared/tools/wine-runtime.sh)" [name...]
//   node samples/tools/wine-check-programs.mjs <launcher> --record [name...]
//
// `name` restricts the runs to images with that base name (`hello`, `exitcode.exe`).
// `--record` writes what Wine printed into expected.json instead of comparing (for new
// expectations; read every recorded line before committing it).
//
// Each run gets a fresh directory holding only the program, runner.exe and the runtime DLLs
// its expectation lists (`dlls`, resolved through samples/programs/runtimes.json), as a user
// would unpack them; the run must leave nothing else behind (files.exe cleans up after
// itself). The environment is Wine's, with NTRACE_SAMPLE removed unless the expectation
// sets it (`env`). Needs i686-w64-mingw32-gcc (to build runner.exe).
/* global console, process */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const wine = argv.shift();
if (!wine) {
  console.error('usage: wine-check-programs.mjs <wine launcher> [--record] [image name...]');
  process.exit(2);
}
const record = argv.includes('--record');
const only = argv.filter((a) => a !== '--record').map((a) => a.replace(/\.exe$/i, '').toLowerCase());

const samples = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(samples, '..');
const expectedPath = join(samples, 'programs/expected.json');
const expectations = JSON.parse(readFileSync(expectedPath, 'utf8'));
const runtimes = JSON.parse(readFileSync(join(samples, 'programs/runtimes.json'), 'utf8'));

/** The Windows command line for argv (the quoting CommandLineToArgvW and the C runtimes undo). */
function quoteArg(a) {
  if (a !== '' && !/[ \t\n\v"]/.test(a)) return a;
  let out = '"';
  let slashes = 0;
  for (const c of a) {
    if (c === '\\') {
      slashes++;
      continue;
    }
    out += '\\'.repeat(c === '"' ? 2 * slashes + 1 : slashes) + c;
    slashes = 0;
  }
  return out + '\\'.repeat(2 * slashes) + '"';
}

const tools = mkdtempSync(join(tmpdir(), 'ntrace-wine-programs-'));
let failures = 0;
let runs = 0;
try {
  execFileSync('i686-w64-mingw32-gcc', ['-O2', '-o', join(tools, 'runner.exe'), join(samples, 'tools/runner.c')]);
  for (const e of expectations) {
    const exe = basename(e.image);
    if (only.length && !only.includes(exe.replace(/\.exe$/i, '').toLowerCase())) continue;
    runs++;
    const label = `${exe} ${JSON.stringify(e.args ?? [])}${e.env ? ` env ${JSON.stringify(e.env)}` : ''}`;
    // the command line: written down verbatim, and (unless `rawCommandLine`) the quoting of args
    const quoted = [exe, ...(e.args ?? [])].map(quoteArg).join(' ');
    if (!e.rawCommandLine && e.commandLine !== quoted) {
      failures++;
      console.log(`FAIL ${label}: commandLine ${JSON.stringify(e.commandLine)} is not the quoting of args ${JSON.stringify(quoted)}`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'ntrace-wine-run-'));
    try {
      copyFileSync(join(root, e.image), join(dir, exe));
      copyFileSync(join(tools, 'runner.exe'), join(dir, 'runner.exe'));
      for (const dll of e.dlls ?? []) {
        const src = runtimes[e.runtime]?.[dll]?.path;
        if (!src) throw new Error(`${label}: ${dll} not in runtimes.json set ${e.runtime}`);
        copyFileSync(src, join(dir, dll));
      }
      const before = new Set(readdirSync(dir));
      const env = { ...process.env };
      delete env.NTRACE_SAMPLE;
      Object.assign(env, e.env ?? {});
      const t0 = Date.now();
      // The launcher's own output goes to files, not pipes: Wine processes the run may start
      // (services.exe when no wineserver was running) inherit them and outlive the run.
      const outFd = openSync(join(tools, 'runner.out'), 'w');
      const errFd = openSync(join(tools, 'runner.err'), 'w');
      const r = spawnSync(wine, ['runner.exe', '--exe', e.commandLine, 'stdout.txt'], {
        cwd: dir,
        env,
        timeout: 900_000,
        stdio: ['ignore', outFd, errFd],
      });
      closeSync(outFd);
      closeSync(errFd);
      r.stdout = readFileSync(join(tools, 'runner.out'), 'latin1');
      r.stderr = readFileSync(join(tools, 'runner.err'), 'latin1');
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      const m = /exit code = (\d+) \(0x[0-9A-F]+\)/.exec(r.stdout);
      let stdout;
      try {
        stdout = readFileSync(join(dir, 'stdout.txt'), 'latin1');
      } catch {
        stdout = undefined;
      }
      const left = readdirSync(dir).filter((f) => !before.has(f) && f !== 'stdout.txt');
      if (!m || stdout === undefined) {
        failures++;
        console.log(`FAIL ${label}: no result (wine status ${r.status}${r.error ? `, ${r.error.message}` : ''}) ${JSON.stringify(r.stdout.slice(-300))} ${JSON.stringify(r.stderr.slice(-300))}`);
        continue;
      }
      const exitCode = Number(m[1]);
      if (record) {
        e.stdout = stdout;
        e.exitCode = exitCode;
        console.log(`recorded ${label}: exit ${exitCode}, ${stdout.length} bytes (${secs} s)${left.length ? `; LEFT FILES ${left.join(' ')}` : ''}`);
        if (left.length) failures++;
        continue;
      }
      const problems = [];
      if (stdout !== e.stdout) problems.push(`stdout differs: got ${JSON.stringify(stdout)}`);
      if (exitCode !== e.exitCode) problems.push(`exit code ${exitCode}, expected ${e.exitCode}`);
      if (left.length) problems.push(`left files behind: ${left.join(' ')}`);
      if (problems.length) failures++;
      console.log(`${problems.length ? 'FAIL' : 'ok  '} ${label} -> exit ${exitCode} (0x${exitCode.toString(16).padStart(8, '0')}), ${stdout.length} bytes of stdout (${secs} s)${problems.length ? `\n     ${problems.join('\n     ')}` : ''}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (record) writeFileSync(expectedPath, `${JSON.stringify(expectations, null, 2)}\n`);
  if (!runs) console.log('no expectation matched');
  else console.log(failures ? `${failures} of ${runs} runs failed` : `all ${runs} runs confirmed${record ? ' (recorded)' : ''}`);
  process.exitCode = failures || !runs ? 1 : 0;
} finally {
  rmSync(tools, { recursive: true, force: true });
}
