// npm "prepare": builds dist/ (tsc + the generated protobuf module + the bundled command). npm runs it after
// `npm install`/`npm ci` in a clone, before `npm pack`, and for `npm install -g .` from a fresh
// clone — where npm links the folder and installs only its dependencies, not the compiler.
// Then the devDependencies are installed into the folder first (from package-lock.json, with
// the outer npm's settings such as --global or --prefix left out of the nested call).
import { spawnSync } from "node:child_process";
import process from "node:process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) {
    process.stderr.write(`ntrace: prepare: ${command} ${args.join(" ")} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

if (!existsSync(tsc)) {
  process.stderr.write("ntrace: prepare: installing the build tools (devDependencies) to build dist/\n");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  run("npm", ["install", "--include=dev", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund"], env);
}
run(process.execPath, [tsc, "-p", "tsconfig.json"]);
run(process.execPath, [join(root, "scripts", "copy-generated.mjs")]);
run(process.execPath, [join(root, "scripts", "bundle.mjs")]);
