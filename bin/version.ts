/** `ntrace --version`: the tool, the engine it runs guests on, and whether the native hook helper is there. */
import { TOOL_VERSION } from "../version.js";
import { engineNote, unicornLibraryName, unicornVersion } from "../runtime/engine/index.js";
import { nativeFallbackNote, nativeSupported } from "../runtime/engine/index.js";

export function versionText(): string {
  const engine = unicornVersion();
  const lines = [`ntrace ${TOOL_VERSION}`, engine !== undefined ? `engine: ${engine} (${unicornLibraryName()})` : `engine: none — ${unicornLibraryName()} does not load (install Debian's libunicorn2)`];
  const note = engineNote();
  if (note !== undefined) lines.push(`note: ${note}`);
  if (nativeSupported()) {
    const fallback = nativeFallbackNote();
    lines.push(fallback === undefined ? "recorder: native hook helper" : `recorder: JS hooks — ${fallback}`);
  }
  return lines.join("\n");
}
