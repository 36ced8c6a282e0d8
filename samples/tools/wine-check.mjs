// Confirm samples/expected.json under a real Windows-compatible runtime (32-bit Wine):
// every user-mode expectation with a `result` or an `exitCode` is run through runner.exe
// (samples/tools/runner.c) and compared. A reference for writing the expectations, never a
// dependency of ntrace or its tests.
//
//   node samples/tools/wine-check.mjs "$(/work/shared/tools/wine-runtime.sh)"
//
// Needs i686-w64-mingw32-gcc (to build runner.exe). All sample images are copied into one
// temporary directory so forwarders (forwarders.dll -> hotpatch.dll, multiname.dll -> fib.dll)
// resolve through the application directory.
/* global console, process */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const wine = process.argv[2];
if (!wine) {
  console.error('usage: wine-check.mjs <wine launcher>');
  process.exit(2);
}
const samples = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'ntrace-wine-check-'));
try {
  execFileSync('i686-w64-mingw32-gcc', ['-O2', '-o', join(work, 'runner.exe'), join(samples, 'tools/runner.c')]);
  for (const dir of readdirSync(samples, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(samples, dir.name)))
      if (/\.(dll|exe)$/i.test(f)) copyFileSync(join(samples, dir.name, f), join(work, f));
  }
  const expectations = JSON.parse(readFileSync(join(samples, 'expected.json'), 'utf8'));
  let failures = 0;
  for (const e of expectations) {
    if (/\.sys$/i.test(e.image)) continue;
    let args;
    let want;
    if (e.exitCode !== undefined) {
      args = ['runner.exe', '--exe', basename(e.image)];
      want = `exit code = ${e.exitCode >>> 0} `;
    } else if (e.call !== undefined && e.result !== undefined) {
      args = ['runner.exe', basename(e.image), e.call, ...e.args.map(String)];
      want = ` = ${e.result}`;
    } else continue;
    const r = spawnSync(wine, args, { cwd: work, encoding: 'utf8', timeout: 120_000 });
    const out = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    const ok = out.includes(want);
    if (!ok) failures++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${e.image} ${e.call ?? ''}(${(e.args ?? []).join(',')}) -> ${out}`);
  }
  console.log(failures ? `${failures} mismatches` : 'all expectations confirmed');
  process.exitCode = failures ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
