/* runner.exe: load a sample DLL under a real Windows-compatible runtime (Wine) and call one
 * export, to confirm the expected results written in the samples' READMEs. Not part of ntrace
 * and not committed as a binary. Build (uses the mingw CRT for printf):
 *   i686-w64-mingw32-gcc -O2 -o /tmp/runner.exe samples/tools/runner.c
 * Run:  $(/work/shared/tools/wine-runtime.sh) /tmp/runner.exe samples/seh/seh.dll RunAll
 * Exports are called as __stdcall with 0 to 3 int arguments; prints the result in decimal.
 *   runner.exe --exe "threads.exe"                     runs a command line and prints its full
 *   runner.exe --exe "runner.exe seh.dll BadRecord"    exit code (the Linux exit status of
 *                                                      wine keeps only the low 8 bits).
 *   runner.exe --exe "envargs.exe a \"b c\"" out.txt   the same, with the program's stdout
 *        redirected to the new file out.txt (an inheritable file handle passed through
 *        STARTF_USESTDHANDLES, as cmd.exe does for `> out.txt`); the command line is passed to
 *        CreateProcessA verbatim, so GetCommandLineA() in the program returns exactly it. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int(WINAPI *F0)(void);
typedef int(WINAPI *F1)(int);
typedef int(WINAPI *F2)(int, int);
typedef int(WINAPI *F3)(int, int, int);

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runner dll export [int args...]\n");
        return 2;
    }
    if (strcmp(argv[1], "--exe") == 0) {
        STARTUPINFOA si = {sizeof si};
        PROCESS_INFORMATION pi;
        DWORD code = 0;
        BOOL inherit = FALSE;
        HANDLE out = INVALID_HANDLE_VALUE;
        if (argc > 3) {
            SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
            out = CreateFileA(argv[3], GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
            if (out == INVALID_HANDLE_VALUE) {
                printf("CreateFile %s failed: error %lu\n", argv[3], GetLastError());
                return 3;
            }
            si.dwFlags = STARTF_USESTDHANDLES;
            si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
            si.hStdOutput = out;
            si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
            inherit = TRUE;
        }
        if (!CreateProcessA(NULL, argv[2], NULL, NULL, inherit, 0, NULL, NULL, &si, &pi)) {
            printf("CreateProcess failed: error %lu\n", GetLastError());
            return 3;
        }
        WaitForSingleObject(pi.hProcess, INFINITE);
        GetExitCodeProcess(pi.hProcess, &code);
        if (out != INVALID_HANDLE_VALUE)
            CloseHandle(out);
        printf("%s exit code = %lu (0x%08lX)\n", argv[2], code, code);
        return 0;
    }
    HMODULE m = LoadLibraryA(argv[1]);
    if (!m) {
        printf("LoadLibrary failed: error %lu\n", GetLastError());
        return 3;
    }
    FARPROC p = argv[2][0] == '#' ? GetProcAddress(m, (LPCSTR)(ULONG_PTR)atoi(argv[2] + 1))
                                  : GetProcAddress(m, argv[2]);
    if (!p) {
        printf("GetProcAddress failed\n");
        return 4;
    }
    int a[3] = {0, 0, 0};
    int n = argc - 3;
    for (int i = 0; i < n && i < 3; i++)
        a[i] = atoi(argv[3 + i]);
    int r;
    switch (n) {
    case 0: r = ((F0)p)(); break;
    case 1: r = ((F1)p)(a[0]); break;
    case 2: r = ((F2)p)(a[0], a[1]); break;
    default: r = ((F3)p)(a[0], a[1], a[2]); break;
    }
    printf("%s(%s) = %d\n", argv[2], n ? argv[3] : "", r);
    fflush(stdout);
    return 0;
}
