/* exitcode.exe MODE CODE: ends the process with CODE (decimal or 0x hex, the full 32 bits)
 *   exit    exit(CODE) called three functions deep: atexit handlers run, stdout is flushed
 *   return  main returns CODE: the C runtime's startup code calls exit() with it
 *   ExitProcess  kernel32 ExitProcess(CODE) three functions deep: no atexit handlers
 *                (stdout is flushed by hand first)
 *   thread  a second thread calls ExitProcess(CODE) while main waits for it forever
 * No arguments: prints a usage line and exits with 2. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned code;

static void handler1(void) { printf("atexit handler 1 (registered first, runs last)\n"); }
static void handler2(void) { printf("atexit handler 2 (registered last, runs first)\n"); }

__attribute__((noinline)) static void level3(int use_exit)
{
    printf("level3: ending the process with %u (0x%08X)\n", code, code);
    if (use_exit)
        exit((int)code);
    fflush(stdout);
    ExitProcess(code);
}
__attribute__((noinline)) static void level2(int use_exit) { level3(use_exit); printf("not reached 2\n"); }
__attribute__((noinline)) static void level1(int use_exit) { level2(use_exit); printf("not reached 1\n"); }

static DWORD WINAPI exiter(void *arg)
{
    (void)arg;
    printf("thread: ExitProcess(%u) while main waits\n", code);
    fflush(stdout);
    ExitProcess(code);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        printf("usage: exitcode exit|return|ExitProcess|thread CODE\n");
        return 2;
    }
    code = (unsigned)strtoul(argv[2], NULL, 0);
    printf("mode %s, code %s\n", argv[1], argv[2]);
    if (strcmp(argv[1], "exit") == 0 || strcmp(argv[1], "return") == 0) {
        atexit(handler1);
        atexit(handler2);
    }
    if (strcmp(argv[1], "exit") == 0)
        level1(1);
    else if (strcmp(argv[1], "ExitProcess") == 0)
        level1(0);
    else if (strcmp(argv[1], "thread") == 0) {
        HANDLE t = CreateThread(NULL, 0, exiter, NULL, 0, NULL);
        WaitForSingleObject(t, INFINITE);
        printf("not reached: main after the thread\n");
        return 1;
    } else if (strcmp(argv[1], "return") != 0) {
        printf("unknown mode\n");
        return 2;
    }
    printf("main: returning %u\n", code);
    return (int)code;
}
