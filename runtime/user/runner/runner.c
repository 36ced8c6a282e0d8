/*
 * ntrace-runner.exe: the small program ntrace runs to call an export of a DLL (`ntrace run
 * x.dll --call Export:args`). Wine's loader loads the DLL (its DllMain runs), the runner calls
 * the export with dword arguments (stdcall or cdecl: the stack is restored either way) and
 * tells ntrace what happened through NtraceRunnerReport, a function of its own that ntrace
 * watches with a code hook. Built without a C runtime (build.sh); source of the committed
 * binary.
 *
 *   ntrace-runner.exe [--load <dll>]... <dll> [<export | #ordinal> [dword]...]
 *
 * Without an export the DLL is only loaded (DllMain runs for the attach, and for the detach
 * when the process exits).
 */
#include <windows.h>

enum { REPORT_LOADED = 1, REPORT_RESULT = 2, REPORT_LOAD_FAILED = 3, REPORT_NO_EXPORT = 4, REPORT_PRELOAD_FAILED = 5, REPORT_USAGE = 6 };

/* ntrace reads the arguments at this function's first instruction. */
__declspec(dllexport) __attribute__((noinline)) void __stdcall NtraceRunnerReport(DWORD kind, DWORD value)
{
    __asm__ volatile("" ::"r"(kind), "r"(value) : "memory");
}

#define MAX_ARGS 64

/* Calls f with n dwords, whatever its convention: ESP is saved in EDI (callee-saved) and restored. */
static __attribute__((noinline)) DWORD call_any(void *f, const DWORD *args, int n)
{
    DWORD result;
    __asm__ volatile(
        "movl %%esp, %%edi\n\t"
        "1:\n\t"
        "testl %%ecx, %%ecx\n\t"
        "jz 2f\n\t"
        "decl %%ecx\n\t"
        "pushl (%%esi,%%ecx,4)\n\t"
        "jmp 1b\n\t"
        "2:\n\t"
        "call *%%eax\n\t"
        "movl %%edi, %%esp\n\t"
        : "=a"(result), "+c"(n), "+S"(args)
        : "a"(f)
        : "edi", "edx", "memory", "cc");
    return result;
}

/* Splits the command line in place (CommandLineToArgvW rules for quotes and backslashes). */
static int split(WCHAR *s, WCHAR **argv, int max)
{
    int argc = 0;
    while (*s && argc < max) {
        while (*s == L' ' || *s == L'\t') s++;
        if (!*s) break;
        argv[argc++] = s;
        WCHAR *out = s;
        int quoted = 0;
        while (*s && (quoted || (*s != L' ' && *s != L'\t'))) {
            int slashes = 0;
            while (*s == L'\\') { s++; slashes++; }
            if (*s == L'"') {
                for (int i = 0; i < slashes / 2; i++) *out++ = L'\\';
                if (slashes % 2) *out++ = *s++;
                else { quoted = !quoted; s++; }
            } else {
                for (int i = 0; i < slashes; i++) *out++ = L'\\';
                if (*s && (quoted || (*s != L' ' && *s != L'\t'))) *out++ = *s++;
            }
        }
        if (*s) s++;
        *out = 0;
    }
    return argc;
}

/* Decimal or 0x hex, optionally negative, as a dword. */
static DWORD number(const WCHAR *s)
{
    int negative = 0;
    DWORD v = 0;
    if (*s == L'-') { negative = 1; s++; }
    if (s[0] == L'0' && (s[1] == L'x' || s[1] == L'X')) {
        for (s += 2; *s; s++) v = v * 16 + (*s <= L'9' ? *s - L'0' : (*s | 0x20) - L'a' + 10);
    } else {
        for (; *s; s++) v = v * 10 + (*s - L'0');
    }
    return negative ? (DWORD)-(LONG)v : v;
}

void __stdcall runner_main(void)
{
    static WCHAR line[32768];
    static WCHAR *argv[MAX_ARGS + 8];
    static char name[256];
    static DWORD args[MAX_ARGS];
    const WCHAR *cmd = GetCommandLineW();
    int n = 0;
    while (cmd[n] && n < 32767) { line[n] = cmd[n]; n++; }
    line[n] = 0;
    int argc = split(line, argv, MAX_ARGS + 8);
    int i = 1;
    while (i + 1 < argc && argv[i][0] == L'-' && argv[i][1] == L'-' && argv[i][2] == L'l') {
        if (!LoadLibraryW(argv[i + 1])) { NtraceRunnerReport(REPORT_PRELOAD_FAILED, GetLastError()); ExitProcess(1); }
        i += 2;
    }
    if (i >= argc) { NtraceRunnerReport(REPORT_USAGE, 0); ExitProcess(2); }
    HMODULE module = LoadLibraryW(argv[i]);
    if (!module) { NtraceRunnerReport(REPORT_LOAD_FAILED, GetLastError()); ExitProcess(3); }
    NtraceRunnerReport(REPORT_LOADED, (DWORD)module);
    if (i + 1 >= argc) ExitProcess(0);
    const WCHAR *export_name = argv[i + 1];
    FARPROC f;
    if (export_name[0] == L'#') {
        f = GetProcAddress(module, (LPCSTR)(ULONG_PTR)number(export_name + 1));
    } else {
        int k = 0;
        while (export_name[k] && k < 255) { name[k] = (char)export_name[k]; k++; }
        name[k] = 0;
        f = GetProcAddress(module, name);
    }
    if (!f) { NtraceRunnerReport(REPORT_NO_EXPORT, 0); ExitProcess(4); }
    int count = 0;
    for (int k = i + 2; k < argc && count < MAX_ARGS; k++) args[count++] = number(argv[k]);
    DWORD result = call_any((void *)f, args, count);
    NtraceRunnerReport(REPORT_RESULT, result);
    ExitProcess(0);
}
