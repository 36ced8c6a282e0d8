/** User-mode tests need Wine's DLL set: without it they fail with the fix, never skip silently. */
import { locateSystemDlls, mingwRuntimeDir } from "../../runtime/user/sysdlls.js";

export function requireSystemDlls(): void {
  locateSystemDlls(); // throws SystemDllsError saying how to get them (scripts/install-deps.sh)
}

export { mingwRuntimeDir };
