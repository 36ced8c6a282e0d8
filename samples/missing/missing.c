/* missing: imports kernel32!NtraceDoesNotExist, which no Windows has. On Windows the loader
 * refuses the DLL (STATUS_ENTRYPOINT_NOT_FOUND, "The procedure entry point NtraceDoesNotExist
 * could not be located in the dynamic link library KERNEL32.dll"). ntrace names the missing
 * import at load time, or with --allow-missing-imports stops only the thread that calls it.
 * The import library for it is made from kernel32_extra.def by llvm-dlltool (build.sh).
 * MSVC hot-patch form. */
#include "../include/sample.h"

__declspec(dllimport) int WINAPI NtraceDoesNotExist(int n);
__declspec(dllimport) void WINAPI SetLastError(DWORD code);
__declspec(dllimport) DWORD WINAPI GetLastError(void);

/* Needs no import: works even when the missing import is tolerated. */
HOOKABLE int WINAPI Works(int n)
{
    return 2 * n + 1;
}

/* Uses two real kernel32 imports. GNU ld gives them their own KERNEL32.dll import descriptor,
   separate from the one holding NtraceDoesNotExist (it does not merge import libraries). */
HOOKABLE int WINAPI UsesReal(int n)
{
    SetLastError((DWORD)n);
    return (int)GetLastError() + 1;
}

/* Calls the missing import: with --allow-missing-imports this stops the calling thread with
   an error naming NtraceDoesNotExist and this function as its caller. */
HOOKABLE int WINAPI CallsMissing(int n)
{
    return NtraceDoesNotExist(n) + 1;
}

HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
