/* win32threads.exe: Win32 threads as an ordinary program uses them, with deterministic results.
 *  - 4 CreateThread workers wait on a manual-reset "start" event, then add to a shared total
 *    under a CRITICAL_SECTION and count with InterlockedIncrement; main waits for them with
 *    WaitForMultipleObjects(bWaitAll) and reads their exit codes.
 *  - 2 _beginthreadex producers and 1 consumer share a bounded queue guarded by an SRW lock
 *    with two condition variables (SleepConditionVariableSRW / WakeConditionVariable).
 *  - an auto-reset event ping-pong between main and one thread (strict alternation).
 * Only totals are printed, after every thread has been joined. Exit code: the final checksum
 * modulo 256 (see the last line). */
#include <windows.h>
#include <process.h>
#include <stdio.h>

#define WORKERS 4
#define ROUNDS 20000

static CRITICAL_SECTION cs;
static HANDLE start_event;
static long long cs_total;
static volatile LONG interlocked_count;

static DWORD WINAPI worker(void *arg)
{
    int id = (int)(INT_PTR)arg;
    WaitForSingleObject(start_event, INFINITE);
    for (int i = 1; i <= ROUNDS; i++) {
        EnterCriticalSection(&cs);
        cs_total += (long long)i * (id + 1);
        LeaveCriticalSection(&cs);
        InterlockedIncrement(&interlocked_count);
    }
    return 100 + id;
}

/* bounded queue: SRW lock + condition variables */
#define QSIZE 8
#define PER_PRODUCER 5000
static SRWLOCK qlock = SRWLOCK_INIT;
static CONDITION_VARIABLE not_empty = CONDITION_VARIABLE_INIT, not_full = CONDITION_VARIABLE_INIT;
static int queue[QSIZE], qhead, qcount, producers_done;
static long long consumed_sum;
static int consumed_items;

static unsigned __stdcall producer(void *arg)
{
    int base = (int)(INT_PTR)arg;
    for (int i = 1; i <= PER_PRODUCER; i++) {
        AcquireSRWLockExclusive(&qlock);
        while (qcount == QSIZE)
            SleepConditionVariableSRW(&not_full, &qlock, INFINITE, 0);
        queue[(qhead + qcount) % QSIZE] = base + i;
        qcount++;
        WakeConditionVariable(&not_empty);
        ReleaseSRWLockExclusive(&qlock);
    }
    AcquireSRWLockExclusive(&qlock);
    producers_done++;
    WakeAllConditionVariable(&not_empty);
    ReleaseSRWLockExclusive(&qlock);
    return 0;
}

static unsigned __stdcall consumer(void *arg)
{
    (void)arg;
    for (;;) {
        AcquireSRWLockExclusive(&qlock);
        while (qcount == 0 && producers_done < 2)
            SleepConditionVariableSRW(&not_empty, &qlock, INFINITE, 0);
        if (qcount == 0) {
            ReleaseSRWLockExclusive(&qlock);
            return (unsigned)consumed_items;
        }
        int v = queue[qhead];
        qhead = (qhead + 1) % QSIZE;
        qcount--;
        WakeConditionVariable(&not_full);
        ReleaseSRWLockExclusive(&qlock);
        consumed_sum += v;      /* only the consumer touches these */
        consumed_items++;
    }
}

/* auto-reset events: strict ping-pong */
static HANDLE ping, pong;
static int rally[64], rally_len;

static DWORD WINAPI ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < 32; i++) {
        WaitForSingleObject(ping, INFINITE);
        rally[rally_len++] = 2 * i + 1;
        SetEvent(pong);
    }
    return 0;
}

int main(void)
{
    InitializeCriticalSection(&cs);
    start_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        t[i] = CreateThread(NULL, 0, worker, (void *)(INT_PTR)i, 0, NULL);
    SetEvent(start_event);
    DWORD w = WaitForMultipleObjects(WORKERS, t, TRUE, INFINITE);
    DWORD codes = 0;
    for (int i = 0; i < WORKERS; i++) {
        DWORD c;
        GetExitCodeThread(t[i], &c);
        codes += c;
        CloseHandle(t[i]);
    }
    DeleteCriticalSection(&cs);
    printf("critical section: wait %s, total %lld, interlocked %ld, thread exit codes sum %lu\n",
           w < WAIT_OBJECT_0 + WORKERS ? "ok" : "FAILED", cs_total, interlocked_count, codes);

    HANDLE q[3];
    q[0] = (HANDLE)_beginthreadex(NULL, 0, producer, (void *)0, 0, NULL);
    q[1] = (HANDLE)_beginthreadex(NULL, 0, producer, (void *)100000, 0, NULL);
    q[2] = (HANDLE)_beginthreadex(NULL, 0, consumer, NULL, 0, NULL);
    WaitForMultipleObjects(3, q, TRUE, INFINITE);
    DWORD items;
    GetExitCodeThread(q[2], &items);
    for (int i = 0; i < 3; i++)
        CloseHandle(q[i]);
    printf("srw queue: %lu items, sum %lld\n", items, consumed_sum);

    ping = CreateEventW(NULL, FALSE, FALSE, NULL);
    pong = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE p = CreateThread(NULL, 0, ponger, NULL, 0, NULL);
    for (int i = 0; i < 32; i++) {
        rally[rally_len++] = 2 * i;
        SetEvent(ping);
        WaitForSingleObject(pong, INFINITE);
    }
    WaitForSingleObject(p, INFINITE);
    CloseHandle(p);
    int in_order = 1;
    for (int i = 0; i < 64; i++)
        in_order &= rally[i] == i;
    printf("ping-pong: %d turns, %s\n", rally_len, in_order ? "in order" : "OUT OF ORDER");

    unsigned long long check = (unsigned long long)cs_total + (unsigned long long)consumed_sum +
                               interlocked_count + codes + items + (unsigned)rally_len * in_order;
    printf("checksum %llu, exit code %llu\n", check, check % 256);
    return (int)(check % 256);
}
