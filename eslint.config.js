// @ts-check
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The dependency direction (ARCHITECTURE.md), as an allowlist: the layer of every file (its
 * top-level folder, or runtime/<folder>) may import only the layers and packages listed here.
 * "(root)" is the top-level index.ts and version.ts. Tests, benches and the root may use any.
 */
const ALLOWED = {
  base: [],
  pe: ["base"],
  tracefile: ["base", "protobufjs"],
  instrumenter: ["base", "pe"],
  reader: ["base", "pe", "tracefile", "(root)"],
  "runtime/engine": ["base", "koffi"],
  // instrumenter: the x86 decoder, for the block clock's instruction counts
  "runtime/core": ["base", "pe", "instrumenter", "runtime/engine"],
  "runtime/user": ["base", "pe", "instrumenter", "runtime/engine", "runtime/core"],
  "runtime/kernel": ["base", "pe", "runtime/engine", "runtime/core"],
  "runtime/tracing": ["base", "pe", "instrumenter", "tracefile", "runtime/engine", "runtime/core"],
  runtime: ["base", "pe", "instrumenter", "tracefile", "runtime/engine", "runtime/core", "runtime/user", "runtime/kernel", "runtime/tracing", "(root)"],
  bin: ["base", "pe", "instrumenter", "tracefile", "reader", "runtime", "runtime/engine", "runtime/core", "runtime/user", "runtime/kernel", "runtime/tracing", "(root)", "commander"],
  samples: ["base", "pe"],
};

/** The layer of a repository-relative path. */
function layerOf(path) {
  const parts = path.split(sep);
  if (parts.length === 1) return "(root)";
  if (parts[0] === "runtime") return parts.length > 2 ? `runtime/${parts[1]}` : "runtime";
  return parts[0];
}

const layers = {
  rules: {
    allowlist: {
      meta: { type: "problem", schema: [] },
      create(context) {
        const from = layerOf(relative(root, context.filename));
        const allowed = ALLOWED[from];
        if (allowed === undefined) return {};
        const check = (node, spec) => {
          if (typeof spec !== "string" || spec.startsWith("node:")) return;
          const to = spec.startsWith(".") ? layerOf(relative(root, resolve(dirname(context.filename), spec))) : spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
          if (to === from || allowed.includes(to)) return;
          context.report({ node, message: `${from}/ may not import ${to} (allowed: ${allowed.join(", ") || "nothing of ours"}; ARCHITECTURE.md)` });
        };
        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
          ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "tracefile/generated/**", "**/*.cjs", "test/.cache/**", "bench/.cache/**", "quickstart-out/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { layers },
    rules: { "layers/allowlist": "error" },
  },
);
