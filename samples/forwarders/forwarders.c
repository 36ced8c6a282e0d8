/* forwarders: an export table with every shape the PE parser must handle (see README.md):
 * forwarders (to kernel32 by name, to another sample by name and by ordinal), ordinal-only
 * (NONAME) exports, several export names for one function, and data exports.
 * Clang hot-patch form; the export table comes from forwarders.def. No CRT, no imports. */
#include "../include/sample.h"

/* Data exports (DATA in the .def): not code, never instrumented. */
int Counter = 42;
int Table[4] = { 1, 2, 3, 5 };

/* Exported under two names (Local1 and Local1Alias). */
HOOKABLE int WINAPI Local1(int n)
{
    return n + Counter;
}

/* Exported by ordinal only (NONAME). */
HOOKABLE int WINAPI Hidden(int n)
{
    return n * 3 + Table[3];
}

/* Calls the data and the other exports. */
HOOKABLE int WINAPI Sum(void)
{
    int s = 0;
    for (int i = 0; i < 4; i++)
        s += Table[i];
    return s + Local1(0) + Hidden(1);
}

HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
