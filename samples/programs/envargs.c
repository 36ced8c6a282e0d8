/* envargs.exe: the command line and the environment as a program sees them.
 * Prints argc and every argv[i] in brackets (msvcrt's parsing of the Windows command line:
 * quotes, backslashes before quotes, empty arguments), GetCommandLineA() verbatim, and
 * NTRACE_SAMPLE through getenv and through GetEnvironmentVariableW. Exit code: argc. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static void print_wide(const WCHAR *s, DWORD n)
{
    for (DWORD i = 0; i < n; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f)
            putchar((char)s[i]);
        else
            printf("\\u%04x", s[i]);
    }
}

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    printf("GetCommandLineA=[%s]\n", GetCommandLineA());

    const char *v = getenv("NTRACE_SAMPLE");
    if (v)
        printf("getenv(NTRACE_SAMPLE)=[%s]\n", v);
    else
        printf("getenv(NTRACE_SAMPLE)=NULL\n");

    WCHAR w[256];
    SetLastError(0);
    DWORD n = GetEnvironmentVariableW(L"NTRACE_SAMPLE", w, 256);
    if (n == 0) {
        printf("GetEnvironmentVariableW(NTRACE_SAMPLE)=0 error %lu\n", GetLastError());
    } else {
        printf("GetEnvironmentVariableW(NTRACE_SAMPLE)=%lu [", n);
        print_wide(w, n < 256 ? n : 255);
        printf("]\n");
    }
    /* the same variable once more after setting it in the process (both views must agree) */
    SetEnvironmentVariableW(L"NTRACE_SAMPLE_SET", L"set by envargs");
    n = GetEnvironmentVariableW(L"NTRACE_SAMPLE_SET", w, 256);
    printf("after SetEnvironmentVariableW: %lu [", n);
    print_wide(w, n < 256 ? n : 255);
    printf("]\n");
    return argc;
}
