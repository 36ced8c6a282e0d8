/* threads: an EXE with several threads, an event, a critical section, TLS and waits; its exit
 * code is a deterministic function of the work, whatever the interleaving (README.md).
 * MSVC hot-patch form (mingw gcc ms_hook_prologue); no CRT: the entry point `start` calls
 * ExitProcess itself. Imports only kernel32 functions the ntrace machine implements. */
#include "../include/sample.h"

typedef struct {
    void *DebugInfo;
    long LockCount;
    long RecursionCount;
    HANDLE OwningThread;
    HANDLE LockSemaphore;
    ULONG_PTR SpinCount;
} CRITICAL_SECTION;
_Static_assert(sizeof(CRITICAL_SECTION) == 24, "x86 CRITICAL_SECTION is 24 bytes");

typedef DWORD(WINAPI *THREAD_START)(LPVOID);

__declspec(dllimport) HANDLE WINAPI CreateThread(void *attrs, DWORD stack, THREAD_START start,
                                                 LPVOID arg, DWORD flags, DWORD *tid);
__declspec(dllimport) DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms);
__declspec(dllimport) DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL all,
                                                          DWORD ms);
__declspec(dllimport) HANDLE WINAPI CreateEventA(void *attrs, BOOL manual, BOOL initial,
                                                 LPCSTR name);
__declspec(dllimport) BOOL WINAPI SetEvent(HANDLE h);
__declspec(dllimport) void WINAPI InitializeCriticalSection(CRITICAL_SECTION *cs);
__declspec(dllimport) void WINAPI EnterCriticalSection(CRITICAL_SECTION *cs);
__declspec(dllimport) void WINAPI LeaveCriticalSection(CRITICAL_SECTION *cs);
__declspec(dllimport) void WINAPI DeleteCriticalSection(CRITICAL_SECTION *cs);
__declspec(dllimport) DWORD WINAPI TlsAlloc(void);
__declspec(dllimport) BOOL WINAPI TlsSetValue(DWORD index, LPVOID value);
__declspec(dllimport) LPVOID WINAPI TlsGetValue(DWORD index);
__declspec(dllimport) BOOL WINAPI TlsFree(DWORD index);
__declspec(dllimport) void WINAPI Sleep(DWORD ms);
__declspec(dllimport) BOOL WINAPI SwitchToThread(void);
__declspec(dllimport) void WINAPI ExitProcess(unsigned code) __attribute__((noreturn));

#define WORKERS 4
#define ITERATIONS 200

static CRITICAL_SECTION lock;
static volatile int counter;      /* sum over workers of ITERATIONS * (i + 1), under lock */
static volatile int tls_ok_mask;  /* bit i: worker i found its own TLS value every time */
static DWORD tls_index;
static HANDLE go;                 /* manual-reset event: workers wait for it */
static volatile int late_ran;

/* One protected increment; Enter/Leave around a read-modify-write that would lose updates
   without the lock (the yield in the middle invites a switch). */
HOOKABLE void add_to_counter(int amount, int yield)
{
    EnterCriticalSection(&lock);
    int v = counter;
    if (yield)
        SwitchToThread();
    counter = v + amount;
    LeaveCriticalSection(&lock);
}

/* This thread's TLS slot still holds what this thread stored. */
HOOKABLE int tls_is(ULONG_PTR expected)
{
    return (ULONG_PTR)TlsGetValue(tls_index) == expected;
}

HOOKABLE DWORD WINAPI worker(LPVOID arg)
{
    int i = (int)(ULONG_PTR)arg;
    ULONG_PTR mine = 100 * (ULONG_PTR)i + 7;
    int ok = 1;
    TlsSetValue(tls_index, (LPVOID)mine);
    WaitForSingleObject(go, INFINITE);
    for (int k = 0; k < ITERATIONS; k++) {
        add_to_counter(i + 1, (k % 16) == 3);
        if ((k % 50) == 10)
            Sleep(0);
        if (!tls_is(mine))
            ok = 0;
    }
    if (ok) {
        EnterCriticalSection(&lock);
        tls_ok_mask |= 1 << i;
        LeaveCriticalSection(&lock);
    }
    return (DWORD)(i + 1);
}

/* A fifth thread started after the others finished, waited for with WaitForSingleObject. */
HOOKABLE DWORD WINAPI late_worker(LPVOID arg)
{
    Sleep(1);
    late_ran = (int)(ULONG_PTR)arg;
    return 0;
}

HOOKABLE unsigned run_threads(void)
{
    HANDLE threads[WORKERS];
    DWORD tid;

    InitializeCriticalSection(&lock);
    tls_index = TlsAlloc();
    TlsSetValue(tls_index, (LPVOID)0x42);
    go = CreateEventA(NULL, TRUE, FALSE, NULL);

    for (int i = 0; i < WORKERS; i++)
        threads[i] = CreateThread(NULL, 0, worker, (LPVOID)(ULONG_PTR)i, 0, &tid);
    Sleep(1); /* let the workers reach their wait */
    SetEvent(go);
    WaitForMultipleObjects(WORKERS, threads, TRUE, INFINITE);

    HANDLE late = CreateThread(NULL, 0, late_worker, (LPVOID)5, 0, &tid);
    WaitForSingleObject(late, INFINITE);

    int main_tls_ok = tls_is(0x42);
    TlsFree(tls_index);
    DeleteCriticalSection(&lock);

    /* counter = 200 * (1+2+3+4) = 2000; tls_ok_mask = 0xF; main_tls_ok = 1; late_ran = 5 */
    return (unsigned)counter + ((unsigned)tls_ok_mask << 12) + ((unsigned)main_tls_ok << 16)
           + ((unsigned)late_ran << 20);
}

HOOKABLE void WINAPI start(void)
{
    ExitProcess(run_threads());
}
