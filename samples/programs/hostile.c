/* hostile.exe [CASE...]: a guest that tries to drive the host and to break out of its
 * isolation, one case per argument (no argument: every case of the "all" list, in order).
 * Each case prints one line "case: result" with what it got: an NTSTATUS from an ntdll call,
 * a GetLastError value from a Win32 call, or the code of the exception a direct access raised
 * (caught by a vectored handler, which resumes after the access).
 *
 * The system range (>= 0x80000000) is the kernel's on Windows: a ring-3 access faults, and the
 * memory calls refuse addresses there. Under ntrace it holds the GDT (0x80000000), the host
 * stubs (0x80010000), the KTHREAD objects (0x80100000) and, when tracing, the tracer's thunk
 * pages and read-only return-slot page (0x90000000 on). runtime/README.md "Isolation" lists
 * what the guest can and cannot reach; samples/programs/README.md lists the expected lines.
 *
 * Cases not in "all" (run on their own by the tests):
 *   threads N       create N threads, 50 at a time, join and close them
 *   thread-limit N  create and join N threads one after another, stop at the first failure
 *   thread-stacks   create threads with 256 MiB stacks until the address space is full
 *   debug-flood N   N calls of OutputDebugStringA with a 1000-character string
 *   spin            loop forever (for --timeout)
 *   bigwrite        one WriteFile of 1 GiB (for --timeout inside one system call)
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef LONG NTSTATUS;

/* ntdll's system-call wrappers, found at run time (mingw's import library is not needed). */
static NTSTATUS(NTAPI *pNtProtectVirtualMemory)(HANDLE, PVOID *, SIZE_T *, ULONG, ULONG *);
static NTSTATUS(NTAPI *pNtAllocateVirtualMemory)(HANDLE, PVOID *, ULONG_PTR, SIZE_T *, ULONG, ULONG);
static NTSTATUS(NTAPI *pNtFreeVirtualMemory)(HANDLE, PVOID *, SIZE_T *, ULONG);
static NTSTATUS(NTAPI *pNtQueryVirtualMemory)(HANDLE, PVOID, ULONG, PVOID, SIZE_T, SIZE_T *);
static NTSTATUS(NTAPI *pNtReadVirtualMemory)(HANDLE, PVOID, PVOID, SIZE_T, SIZE_T *);
static NTSTATUS(NTAPI *pNtWriteVirtualMemory)(HANDLE, PVOID, const void *, SIZE_T, SIZE_T *);
static NTSTATUS(NTAPI *pNtMapViewOfSection)(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T, LARGE_INTEGER *, SIZE_T *, ULONG, ULONG, ULONG);
static NTSTATUS(NTAPI *pNtUnmapViewOfSection)(HANDLE, PVOID);
static void(NTAPI *pRtlFillMemory)(void *, SIZE_T, BYTE);

#define SELF ((HANDLE)-1)
#define GDT ((void *)0x80000000)
#define HOST_STUB ((void *)0x80080000) /* inside the host-stub region, no stub bound there */
#define KTHREADS ((void *)0x80100000)
#define ARENA ((void *)0x90000000)
#define KUSER_SHARED_DATA ((void *)0x7ffe0000)

/* ---------------------------------------------------------------- guarded accesses */

/* guarded(fn, arg) calls fn(arg); when it faults, the vectored handler below resumes at the
 * local label .Lguard_fail (its address in g_fail_eip; a local label, not a function: a traced
 * run would take a resumption at a function's first byte for a call) with the stack guarded()
 * had, and guarded() returns -1 with the exception in g_code. */
void *g_resume_esp;
extern DWORD g_fail_eip;
static volatile DWORD g_code, g_kind, g_address;
int guarded(int (*fn)(void *), void *arg);
__asm__(".data\n"
        ".globl _g_fail_eip\n"
        "_g_fail_eip: .long .Lguard_fail\n"
        ".text\n"
        ".globl _guarded\n"
        "_guarded:\n"
        "  pushl %ebp\n  pushl %ebx\n  pushl %esi\n  pushl %edi\n"
        "  movl %esp, _g_resume_esp\n"
        "  pushl 24(%esp)\n"
        "  call *24(%esp)\n"
        "  addl $4, %esp\n"
        "  movl $0, _g_resume_esp\n"
        "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n"
        "  ret\n"
        ".Lguard_fail:\n"
        "  movl $0, _g_resume_esp\n"
        "  movl $-1, %eax\n"
        "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n"
        "  ret\n");

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *e)
{
    DWORD code = e->ExceptionRecord->ExceptionCode;
    if (g_resume_esp == NULL || code == DBG_PRINTEXCEPTION_C) return EXCEPTION_CONTINUE_SEARCH;
    g_code = code;
    g_kind = e->ExceptionRecord->NumberParameters >= 2 ? (DWORD)e->ExceptionRecord->ExceptionInformation[0] : 0;
    g_address = e->ExceptionRecord->NumberParameters >= 2 ? (DWORD)e->ExceptionRecord->ExceptionInformation[1] : 0;
    e->ContextRecord->Esp = (DWORD)g_resume_esp;
    e->ContextRecord->Eip = g_fail_eip;
    return EXCEPTION_CONTINUE_EXECUTION;
}

__attribute__((noinline)) static int read_dword(void *p) { return *(volatile int *)p; }
__attribute__((noinline)) static int write_dword(void *p) { *(volatile int *)p = 0x41414141; return 0; }

/* "ok" or "exception 0xc0000005 (write at 0x80000000)": fixed addresses by value, the
 * program's own buffers (wherever VirtualAlloc put them) as "the buffer". */
static const char *outcome(int (*fn)(void *), void *arg, char *out)
{
    g_code = 0;
    if (guarded(fn, arg) != -1 || g_code == 0) return strcpy(out, "ok");
    const char *kind = g_kind == 0 ? "read" : g_kind == 1 ? "write" : "execute";
    if (g_code != EXCEPTION_ACCESS_VIOLATION)
        sprintf(out, "exception 0x%08lx", g_code);
    else if (g_address == (DWORD)arg && g_address < 0x7ffe0000)
        sprintf(out, "exception 0x%08lx (%s at the buffer)", g_code, kind);
    else
        sprintf(out, "exception 0x%08lx (%s at 0x%08lx)", g_code, kind, g_address);
    return out;
}

static const char *read_at(void *p, char *out) { return outcome(read_dword, p, out); }
static const char *write_at(void *p, char *out) { return outcome(write_dword, p, out); }
static const char *execute_at(void *p, char *out) { return outcome((int (*)(void *))p, NULL, out); }

/* ---------------------------------------------------------------- memory calls on an address */

static NTSTATUS protect(void *at, ULONG prot)
{
    PVOID base = at;
    SIZE_T size = 0x1000;
    ULONG old = 0;
    return pNtProtectVirtualMemory(SELF, &base, &size, prot, &old);
}
static NTSTATUS release(void *at)
{
    PVOID base = at;
    SIZE_T size = 0;
    return pNtFreeVirtualMemory(SELF, &base, &size, MEM_RELEASE);
}
static NTSTATUS reserve_at(void *at)
{
    PVOID base = at;
    SIZE_T size = 0x10000;
    return pNtAllocateVirtualMemory(SELF, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}
static NTSTATUS commit_at(void *at)
{
    PVOID base = at;
    SIZE_T size = 0x1000;
    return pNtAllocateVirtualMemory(SELF, &base, 0, &size, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
}
static NTSTATUS query(void *at)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T got = 0;
    return pNtQueryVirtualMemory(SELF, at, 0, &info, sizeof info, &got);
}
static NTSTATUS read_vm(void *at)
{
    DWORD value = 0;
    SIZE_T got = 0;
    return pNtReadVirtualMemory(SELF, at, &value, sizeof value, &got);
}
static NTSTATUS write_vm(void *at)
{
    DWORD value = 0x41414141;
    SIZE_T done = 0;
    return pNtWriteVirtualMemory(SELF, at, &value, sizeof value, &done);
}
/* A view of a fresh 64 KiB section mapped at `at`. */
static NTSTATUS map_at(void *at)
{
    HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL);
    PVOID base = at;
    SIZE_T size = 0;
    NTSTATUS status = pNtMapViewOfSection(s, SELF, &base, 0, 0, NULL, &size, 1 /* ViewShare */, 0, PAGE_READWRITE);
    if (status >= 0) pNtUnmapViewOfSection(SELF, base);
    CloseHandle(s);
    return status;
}

/* Every memory call on a system address: what Windows answers for the kernel's range. */
static void system_range(const char *name, void *at)
{
    printf("%s: protect rw 0x%08lx, protect rwx 0x%08lx, free 0x%08lx, reserve 0x%08lx, commit 0x%08lx, query 0x%08lx, read 0x%08lx, write 0x%08lx, map 0x%08lx\n", name,
           protect(at, PAGE_READWRITE), protect(at, PAGE_EXECUTE_READWRITE), release(at), reserve_at(at), commit_at(at), query(at), read_vm(at), write_vm(at), map_at(at));
}

/* ---------------------------------------------------------------- isolation cases */

static void case_gdt(void)
{
    char r[96], w[96], x[96];
    printf("gdt: read %s, write %s, execute %s\n", read_at(GDT, r), write_at(GDT, w), execute_at(GDT, x));
}
static void case_kthread(void)
{
    char r[96], w[96], x[96];
    printf("kthread: read %s, write %s, execute %s\n", read_at(KTHREADS, r), write_at(KTHREADS, w), execute_at(KTHREADS, x));
}
static void case_stubs(void)
{
    char w[96], x[96];
    printf("stubs: write %s, execute %s\n", write_at(HOST_STUB, w), execute_at(HOST_STUB, x));
}
static void case_arena(void)
{
    char w[96];
    printf("arena: write %s\n", write_at(ARENA, w));
}
static void case_gdt_calls(void) { system_range("gdt-calls", GDT); }
static void case_kthread_calls(void) { system_range("kthread-calls", KTHREADS); }
static void case_stub_calls(void) { system_range("stub-calls", HOST_STUB); }
static void case_arena_calls(void) { system_range("arena-calls", ARENA); }

/* The exit thunk a traced function returns through is `jmp dword [slot]` (ff 25 slot): the
 * slot is on the tracer's read-only host page. Untraced, the return address is the caller's.
 * With a frame pointer the return address is read from [ebp+4], after the prologue: a function
 * that reads [esp] at its entry is a get-PC routine, which the tracer leaves alone. */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void *return_slot(void)
{
    unsigned char *ret = __builtin_return_address(0);
    if ((DWORD)ret < 0x80000000) return NULL;
    for (int i = 0; i < 32; i++)
        if (ret[i] == 0xff && ret[i + 1] == 0x25) return *(void **)(ret + i + 2);
    return NULL;
}
static void case_return_slot(void)
{
    void *slot = return_slot();
    if (slot == NULL) {
        printf("returnslot: none (untraced)\n");
        return;
    }
    char r[96], w[96], x[96];
    printf("returnslot: read %s, write %s, execute %s, protect rw 0x%08lx, protect rwx 0x%08lx, free 0x%08lx, write 0x%08lx\n", read_at(slot, r), write_at(slot, w), execute_at(slot, x),
           protect(slot, PAGE_READWRITE), protect(slot, PAGE_EXECUTE_READWRITE), release(slot), write_vm(slot));
}

/* KUSER_SHARED_DATA: mapped read-only for every process, owned by the kernel (no VAD). */
static void case_kusd(void)
{
    char w[96];
    printf("kusd: write %s, protect rw 0x%08lx, free 0x%08lx, reserve 0x%08lx, write 0x%08lx\n", write_at(KUSER_SHARED_DATA, w), protect(KUSER_SHARED_DATA, PAGE_READWRITE), release(KUSER_SHARED_DATA),
           reserve_at(KUSER_SHARED_DATA), write_vm(KUSER_SHARED_DATA));
}

/* The TEB and the PEB: secured against release and against less than read-write access. */
static void case_teb(void)
{
    void *teb;
    __asm__("movl %%fs:0x18, %0" : "=r"(teb));
    void *peb = *(void **)((char *)teb + 0x30);
    printf("teb: free 0x%08lx, protect ro 0x%08lx, protect rw 0x%08lx; peb: free 0x%08lx, protect noaccess 0x%08lx\n", release(teb), protect(teb, PAGE_READONLY), protect(teb, PAGE_READWRITE), release(peb),
           protect(peb, PAGE_NOACCESS));
}

/* PAGE_NOACCESS stops reads: the guest's own and the system calls' on its behalf. */
static void case_noaccess(void)
{
    char *page = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    *(volatile DWORD *)page = 0x5a5a5a5a;
    DWORD old = 0, back = 0;
    BOOL ok = VirtualProtect(page, 0x1000, PAGE_NOACCESS, &old);
    MEMORY_BASIC_INFORMATION info;
    VirtualQuery(page, &info, sizeof info);
    char r[96], w[96];
    read_at(page, r);
    write_at(page, w);
    DWORD value = 0;
    SIZE_T done = 0;
    NTSTATUS rvm = pNtReadVirtualMemory(SELF, page, &value, sizeof value, &done);
    SIZE_T read_count = done;
    NTSTATUS wvm = pNtWriteVirtualMemory(SELF, page, &value, sizeof value, &done);
    HANDLE f = CreateFileA("hostile.tmp", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    DWORD n = 0;
    BOOL wrote = WriteFile(f, page, 16, &n, NULL);
    DWORD write_error = wrote ? 0 : GetLastError();
    WriteFile(f, "0123456789abcdef", 16, &n, NULL);
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    BOOL got = ReadFile(f, page, 16, &n, NULL);
    DWORD read_error = got ? 0 : GetLastError();
    CloseHandle(f);
    VirtualProtect(page, 0x1000, PAGE_READWRITE, &back);
    printf("noaccess: protect %s old 0x%lx, query 0x%lx, read %s, write %s, NtReadVirtualMemory 0x%08lx (%lu bytes), NtWriteVirtualMemory 0x%08lx, WriteFile error %lu, ReadFile error %lu, kept 0x%08lx\n",
           ok ? "ok" : "failed", old, info.Protect, r, w, rvm, (unsigned long)read_count, wvm, write_error, read_error, *(DWORD *)page);
    VirtualFree(page, 0, MEM_RELEASE);
}

/* Guard pages and read-only pages. */
static void case_readonly(void)
{
    char *page = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old = 0;
    VirtualProtect(page, 0x1000, PAGE_READONLY, &old);
    char r[96], w[96];
    read_at(page, r);
    write_at(page, w);
    printf("readonly: read %s, write %s\n", r, w);
    VirtualFree(page, 0, MEM_RELEASE);
}

/* A guard page raises STATUS_GUARD_PAGE_VIOLATION once, and is an ordinary page from then on. */
static void case_guard(void)
{
    char *page = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    MEMORY_BASIC_INFORMATION before, after;
    char first[96], second[96];
    VirtualQuery(page, &before, sizeof before);
    read_at(page, first);
    VirtualQuery(page, &after, sizeof after);
    read_at(page, second);
    printf("guard: protect 0x%lx, read %s, then protect 0x%lx, read %s\n", before.Protect, first, after.Protect, second);
    VirtualFree(page, 0, MEM_RELEASE);
}

/* A new thread finds its stack below the stack pointer zeroed: Wine's thread start clears the
 * 960 KiB below the initial context, where the loader ran the DLLs' thread attach. Counted
 * from the page below the stack pointer down 60 KiB, before the thread calls anything. */
static volatile LONG stack_nonzero = -1;
static DWORD WINAPI scan_stack(void *arg)
{
    volatile char here = 0;
    volatile DWORD *top = (volatile DWORD *)(((DWORD)&here) & ~0xfffu);
    LONG nonzero = 0;
    (void)arg;
    for (int i = 1; i <= 0xf000 / 4; i++) nonzero += top[-i] != 0;
    stack_nonzero = nonzero + here;
    return 0;
}
static void case_stack_clear(void)
{
    HANDLE t = CreateThread(NULL, 0, scan_stack, NULL, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    printf("stack-clear: %ld nonzero dwords in the 60 KiB below a new thread's stack pointer\n", stack_nonzero);
}

/* ---------------------------------------------------------------- the host does not grow with the guest */

/* ntdll's RtlFillMemory (guest code) asked for 4 GiB: it runs off the end of its 64 KiB. */
static char *fill_buffer;
__attribute__((noinline)) static int fill_4gib(void *p) { pRtlFillMemory(p, 0xffffffff, 0); return 0; }
static void case_fill(void)
{
    fill_buffer = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    char out[96];
    outcome(fill_4gib, fill_buffer, out);
    /* where it faults depends on how RtlFillMemory walks the buffer: outside it, either way */
    if (g_code == EXCEPTION_ACCESS_VIOLATION && g_kind == 1 && (g_address < (DWORD)fill_buffer || g_address >= (DWORD)fill_buffer + 0x10000))
        printf("fill: exception 0x%08lx (write outside the 64 KiB buffer)\n", g_code);
    else
        printf("fill: %s\n", out);
    VirtualFree(fill_buffer, 0, MEM_RELEASE);
}

/* Reads and writes longer than the buffer: refused, never a host buffer of that size. */
static void case_file_lengths(void)
{
    char *buf = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    memset(buf, 'x', 0x10000);
    HANDLE f = CreateFileA("hostile.tmp", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    DWORD n = 0;
    BOOL past_user = WriteFile(f, buf, 0x80000000, &n, NULL);
    DWORD e1 = past_user ? 0 : GetLastError();
    BOOL past_buffer = WriteFile(f, buf, 0x10000000, &n, NULL);
    DWORD e2 = past_buffer ? 0 : GetLastError();
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    SetEndOfFile(f);
    WriteFile(f, buf, 16, &n, NULL);
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    BOOL read_past = ReadFile(f, buf, 0x10000000, &n, NULL);
    DWORD e3 = read_past ? 0 : GetLastError();
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    BOOL read_short = ReadFile(f, buf, 0x8000, &n, NULL);
    printf("file-lengths: write 2 GiB error %lu, write 256 MiB error %lu, read 256 MiB error %lu, read 32 KiB of a 16-byte file %s %lu bytes\n", e1, e2, e3, read_short ? "ok" : "failed", n);
    CloseHandle(f);
    VirtualFree(buf, 0, MEM_RELEASE);
}

/* NtReadVirtualMemory / NtWriteVirtualMemory: ranges checked, copies stop at the first bad page. */
static void case_vm_lengths(void)
{
    char *src = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    char *dst = VirtualAlloc(NULL, 0x100000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SIZE_T done = 0;
    NTSTATUS huge = pNtReadVirtualMemory(SELF, src, dst, 0x7fffffff, &done);
    NTSTATUS partial = pNtReadVirtualMemory(SELF, src, dst, 0x100000, &done);
    SIZE_T partial_done = done;
    done = 0;
    NTSTATUS small_dst = pNtWriteVirtualMemory(SELF, src, dst, 0x100000, &done);
    SIZE_T small_done = done;
    printf("vm-lengths: read 2 GiB 0x%08lx, read 1 MiB from 64 KiB 0x%08lx (%lu bytes), write 1 MiB into 64 KiB 0x%08lx (%lu bytes)\n", huge, partial, (unsigned long)partial_done, small_dst,
           (unsigned long)small_done);
    VirtualFree(src, 0, MEM_RELEASE);
    VirtualFree(dst, 0, MEM_RELEASE);
}

/* VirtualAlloc of sizes past the address space. */
static void case_alloc_sizes(void)
{
    PVOID base = NULL;
    SIZE_T size = 0xfffff000;
    NTSTATUS all = pNtAllocateVirtualMemory(SELF, &base, 0, &size, MEM_RESERVE, PAGE_READWRITE);
    base = NULL;
    size = 0x7ffe0000;
    NTSTATUS user = pNtAllocateVirtualMemory(SELF, &base, 0, &size, MEM_RESERVE, PAGE_READWRITE);
    printf("alloc-sizes: 4 GiB 0x%08lx, 2 GiB 0x%08lx\n", all, user);
}

/* A UNICODE_STRING whose Length runs past its buffer: the call fails, nothing is read past it. */
static void case_string_length(void)
{
    char *page = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    WCHAR *name = (WCHAR *)(page + 0x1000 - 16);
    memcpy(name, L"\\??\\C:\\x", 16);
    struct { USHORT Length, MaximumLength; WCHAR *Buffer; } us = { 0xfffe, 0xfffe, name };
    struct { ULONG Length; HANDLE Root; void *Name; ULONG Attributes; void *Sd, *Qos; } oa = { sizeof oa, NULL, &us, 0x40, NULL, NULL };
    NTSTATUS(NTAPI * pNtOpenFile)(HANDLE *, ACCESS_MASK, void *, void *, ULONG, ULONG) = (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtOpenFile");
    HANDLE h = NULL;
    ULONG iosb[2];
    printf("string-length: NtOpenFile 0x%08lx\n", pNtOpenFile(&h, GENERIC_READ, &oa, iosb, FILE_SHARE_READ, 0));
    VirtualFree(page, 0, MEM_RELEASE);
}

/* 1 MiB registry values until the registry refuses more. */
static void case_registry(void)
{
    HKEY key;
    RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\ntrace-hostile", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL);
    char *data = VirtualAlloc(NULL, 0x100000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    int i;
    LONG status = 0;
    for (i = 0; i < 200; i++) {
        char name[16];
        sprintf(name, "v%d", i);
        data[0] = (char)i;
        status = RegSetValueExA(key, name, 0, REG_BINARY, (BYTE *)data, 0x100000);
        if (status != ERROR_SUCCESS) break;
    }
    if (status == ERROR_SUCCESS) printf("registry: %d values of 1 MiB stored\n", i);
    else printf("registry: %d values of 1 MiB stored, then error %ld\n", i, status);
    RegCloseKey(key);
    VirtualFree(data, 0, MEM_RELEASE);
}

/* ---------------------------------------------------------------- threads, debug output, time */

static volatile LONG counter;
static DWORD WINAPI count_once(void *arg) { (void)arg; InterlockedIncrement(&counter); return 0; }

/* n threads, created 50 at a time, all 50 running together, then joined and closed. */
static void case_threads(int n)
{
    HANDLE t[50];
    int created = 0, joined = 0;
    DWORD error = 0;
    while (created < n && error == 0) {
        int wave = 0;
        for (; wave < 50 && created < n; wave++, created++) {
            t[wave] = CreateThread(NULL, 0x10000, count_once, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
            if (t[wave] == NULL) {
                error = GetLastError();
                break;
            }
        }
        for (int i = 0; i < wave; i++) {
            if (WaitForSingleObject(t[i], INFINITE) == WAIT_OBJECT_0) joined++;
            CloseHandle(t[i]);
        }
    }
    if (error != 0) printf("threads: %d created, then error %lu, %d joined, counter %ld\n", created, error, joined, counter);
    else printf("threads: %d created, %d joined, counter %ld\n", created, joined, counter);
}

static void case_thread_limit(int n)
{
    int i;
    DWORD error = 0;
    for (i = 0; i < n; i++) {
        HANDLE t = CreateThread(NULL, 0x10000, count_once, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (t == NULL) {
            error = GetLastError();
            break;
        }
        WaitForSingleObject(t, INFINITE);
        CloseHandle(t);
    }
    if (error != 0) printf("thread-limit: %d created, then error %lu\n", i, error);
    else printf("thread-limit: %d created\n", i);
}

static HANDLE release_event;
static DWORD WINAPI wait_release(void *arg) { (void)arg; WaitForSingleObject(release_event, INFINITE); return 0; }

static void case_thread_stacks(void)
{
    HANDLE t[64];
    int n;
    DWORD error = 0;
    release_event = CreateEventA(NULL, TRUE, FALSE, NULL);
    for (n = 0; n < 64; n++) {
        t[n] = CreateThread(NULL, 0x10000000, wait_release, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (t[n] == NULL) {
            error = GetLastError();
            break;
        }
    }
    SetEvent(release_event);
    for (int i = 0; i < n; i++) {
        WaitForSingleObject(t[i], INFINITE);
        CloseHandle(t[i]);
    }
    printf("thread-stacks: %s, error %lu\n", n > 0 && n < 64 ? "some created" : n == 0 ? "none created" : "all 64 created", error);
}

static void case_debug_flood(int n)
{
    char line[1001];
    for (int i = 0; i < n; i++) {
        sprintf(line, "%06d ", i);
        memset(line + 7, 'd', 993);
        line[1000] = 0;
        OutputDebugStringA(line);
    }
    printf("debug-flood: %d strings of 1000 characters sent\n", n);
}

/* One WriteFile of 1 GiB (committed, never touched: zeros) to a file in the scratch directory:
 * long host work inside one system call, which --timeout must still cut short. */
static void case_bigwrite(void)
{
    char *buf = VirtualAlloc(NULL, 0x40000000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    HANDLE f = CreateFileA("big.tmp", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    printf("bigwrite: writing 1 GiB\n");
    DWORD n = 0;
    BOOL ok = WriteFile(f, buf, 0x40000000, &n, NULL);
    printf("bigwrite: %s, %lu bytes\n", ok ? "ok" : "failed", n);
    CloseHandle(f);
    VirtualFree(buf, 0, MEM_RELEASE);
}

static void case_spin(void)
{
    printf("spin: looping forever\n");
    fflush(stdout);
    for (volatile unsigned i = 0;; i++) {
    }
}

/* ---------------------------------------------------------------- dispatch */

struct named_case {
    const char *name;
    void (*run)(void);
};
static const struct named_case all_cases[] = {
    { "gdt", case_gdt },
    { "kthread", case_kthread },
    { "stubs", case_stubs },
    { "arena", case_arena },
    { "gdt-calls", case_gdt_calls },
    { "kthread-calls", case_kthread_calls },
    { "stub-calls", case_stub_calls },
    { "arena-calls", case_arena_calls },
    { "returnslot", case_return_slot },
    { "kusd", case_kusd },
    { "teb", case_teb },
    { "noaccess", case_noaccess },
    { "readonly", case_readonly },
    { "guard", case_guard },
    { "stack-clear", case_stack_clear },
    { "fill", case_fill },
    { "file-lengths", case_file_lengths },
    { "vm-lengths", case_vm_lengths },
    { "alloc-sizes", case_alloc_sizes },
    { "string-length", case_string_length },
    { "registry", case_registry },
};

static FARPROC ntdll(const char *name)
{
    FARPROC f = GetProcAddress(GetModuleHandleA("ntdll.dll"), name);
    if (f == NULL) {
        printf("hostile: ntdll.dll has no %s\n", name);
        exit(3);
    }
    return f;
}

static int run_case(const char *name, const char *arg)
{
    int n = arg != NULL ? atoi(arg) : 0;
    if (strcmp(name, "threads") == 0) case_threads(n > 0 ? n : 1000);
    else if (strcmp(name, "thread-limit") == 0) case_thread_limit(n > 0 ? n : 1100);
    else if (strcmp(name, "thread-stacks") == 0) case_thread_stacks();
    else if (strcmp(name, "debug-flood") == 0) case_debug_flood(n > 0 ? n : 2000);
    else if (strcmp(name, "spin") == 0) case_spin();
    else if (strcmp(name, "bigwrite") == 0) case_bigwrite();
    else {
        for (size_t i = 0; i < sizeof all_cases / sizeof all_cases[0]; i++)
            if (strcmp(name, all_cases[i].name) == 0 || strcmp(name, "all") == 0) all_cases[i].run();
        return strcmp(name, "all") == 0 ? 0 : 1;
    }
    return 1;
}

int main(int argc, char **argv)
{
    pNtProtectVirtualMemory = (void *)ntdll("NtProtectVirtualMemory");
    pNtAllocateVirtualMemory = (void *)ntdll("NtAllocateVirtualMemory");
    pNtFreeVirtualMemory = (void *)ntdll("NtFreeVirtualMemory");
    pNtQueryVirtualMemory = (void *)ntdll("NtQueryVirtualMemory");
    pNtReadVirtualMemory = (void *)ntdll("NtReadVirtualMemory");
    pNtWriteVirtualMemory = (void *)ntdll("NtWriteVirtualMemory");
    pNtMapViewOfSection = (void *)ntdll("NtMapViewOfSection");
    pNtUnmapViewOfSection = (void *)ntdll("NtUnmapViewOfSection");
    pRtlFillMemory = (void *)ntdll("RtlFillMemory");
    AddVectoredExceptionHandler(1, on_exception);
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) return run_case("all", NULL), 0;
    for (int i = 1; i < argc; i++) {
        /* a case that takes a count: "threads 1000" */
        const char *next = i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9' ? argv[i + 1] : NULL;
        run_case(argv[i], next);
        if (next != NULL) i++;
    }
    return 0;
}
