/* multiname: the export shape lld-link and GNU ld cannot produce from a .def file — several
 * names on ONE ordinal. The export directory is written by hand in multiname_edata.S (linkers
 * use an input .edata section as the export directory as is). Clang hot-patch form.
 * See README.md for the table and the expected results. */
#include "../include/sample.h"

/* Ordinal 1: exported as Alpha, Beta and Primary. */
HOOKABLE int WINAPI MultiTriple(int n)
{
    return 3 * n;
}

/* Ordinal 2: exported as Square. */
HOOKABLE int WINAPI MultiSquare(int n)
{
    return n * n;
}

/* Ordinal 3: no name. Calls the other two. */
HOOKABLE int WINAPI MultiHidden(int n)
{
    return MultiTriple(n) + MultiSquare(n);
}

HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
