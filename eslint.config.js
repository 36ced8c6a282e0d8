// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    // Dependency direction (DESIGN.md): pe and tracefile depend only on base;
    // instrumenter on pe; reader on pe and tracefile; runtime on pe, instrumenter, tracefile.
    files: ["pe/**/*.ts", "tracefile/**/*.ts", "base/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/runtime/**", "**/instrumenter/**", "**/reader/**", "**/bin/**", "**/tracefile/**", "**/pe/**"].map((group) => ({ group: [group], message: "pe/, tracefile/ and base/ import nothing of ours but base/" })) }] },
  },
  {
    files: ["instrumenter/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/runtime/**", "**/reader/**", "**/bin/**", "**/tracefile/**"], message: "instrumenter/ depends on pe/ and base/ only" }] }] },
  },
  {
    files: ["reader/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/runtime/**", "**/instrumenter/**", "**/bin/**"], message: "reader/ depends on pe/, tracefile/ and base/ only" }] }] },
  },
  {
    files: ["runtime/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/reader/**", "**/bin/**"], message: "runtime/ depends on pe/, instrumenter/, tracefile/ and base/" }] }] },
  },
);
