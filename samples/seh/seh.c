/* seh: hand-built x86 structured exception handling (gcc has no __try). Every case is an
 * export returning a value that says which handler ran; README.md has the expected values,
 * the frames each exception skips and the Windows rules behind them.
 *
 * Plumbing (seh_asm.S): seh_try(f) saves a resume point and links f->reg into fs:[0] (returns
 * 0, later 1 when resumed); seh_resume(f, v) jumps back to it; seh_global_unwind(target, rec)
 * is MSVC's _global_unwind2 (RtlUnwind). Plain records are linked with seh_link/seh_unlink.
 * Handlers are C functions with the x86 handler signature; all C functions here are in the
 * MSVC hot-patch form and instrumentable. */
#include "../include/sample.h"

/* ---- Win32 SEH declarations (layouts of winnt.h, x86) ---- */
#define EXCEPTION_NONCONTINUABLE 0x01
#define EXCEPTION_UNWINDING 0x02
#define EXCEPTION_EXIT_UNWIND 0x04
#define EXCEPTION_STACK_INVALID 0x08
#define EXCEPTION_NESTED_CALL 0x10
#define EXCEPTION_UNWIND (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)

#define STATUS_ACCESS_VIOLATION 0xC0000005ul
#define STATUS_INTEGER_DIVIDE_BY_ZERO 0xC0000094ul

typedef enum {
    ExceptionContinueExecution = 0,
    ExceptionContinueSearch = 1,
    ExceptionNestedException = 2,
    ExceptionCollidedUnwind = 3
} EXCEPTION_DISPOSITION;

typedef struct _EXCEPTION_RECORD {
    DWORD ExceptionCode;
    DWORD ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    void *ExceptionAddress;
    DWORD NumberParameters;
    ULONG_PTR ExceptionInformation[15];
} EXCEPTION_RECORD;

/* x86 CONTEXT: only the integer part is used; offsets as in winnt.h. */
typedef struct _CONTEXT {
    DWORD ContextFlags;
    DWORD Dr0, Dr1, Dr2, Dr3, Dr6, Dr7;
    unsigned char FloatSave[112];
    DWORD SegGs, SegFs, SegEs, SegDs;
    DWORD Edi, Esi, Ebx, Edx, Ecx, Eax;
    DWORD Ebp, Eip, SegCs, EFlags, Esp, SegSs;
    unsigned char ExtendedRegisters[512];
} CONTEXT;
_Static_assert(__builtin_offsetof(CONTEXT, Edi) == 0x9C, "CONTEXT.Edi");
_Static_assert(__builtin_offsetof(CONTEXT, Eip) == 0xB8, "CONTEXT.Eip");
_Static_assert(__builtin_offsetof(CONTEXT, Esp) == 0xC4, "CONTEXT.Esp");
_Static_assert(sizeof(CONTEXT) == 0x2CC, "sizeof CONTEXT");

typedef EXCEPTION_DISPOSITION (*HANDLER)(EXCEPTION_RECORD *, void *, CONTEXT *, void *);

typedef struct _REG { /* EXCEPTION_REGISTRATION_RECORD */
    struct _REG *prev;
    HANDLER handler;
} REG;

/* A registration record followed by a resume point, like MSVC's extended frames. */
typedef struct {
    REG reg;                 /* +0: what fs:[0] points to (the "establisher frame") */
    DWORD jb[6];             /* +8: ebx, esi, edi, ebp, esp, eip (seh_try) */
    volatile int bits;       /* what the handlers saw */
} SEH_FRAME;
_Static_assert(__builtin_offsetof(SEH_FRAME, jb) == 8, "SEH_FRAME.jb");

__declspec(dllimport) void WINAPI RaiseException(DWORD code, DWORD flags, DWORD nargs,
                                                 const ULONG_PTR *args);

int seh_try(SEH_FRAME *f) __attribute__((returns_twice));
void seh_resume(SEH_FRAME *f, int value) __attribute__((noreturn));
void seh_global_unwind(REG *target, EXCEPTION_RECORD *rec);

static inline __attribute__((always_inline)) REG *seh_head(void)
{
    REG *r;
    __asm__ volatile("movl %%fs:0, %0" : "=r"(r));
    return r;
}

static inline __attribute__((always_inline)) void seh_set_head(REG *r)
{
    __asm__ volatile("movl %0, %%fs:0" : : "r"(r) : "memory");
}

static inline __attribute__((always_inline)) void seh_link(REG *r, HANDLER h)
{
    r->handler = h;
    r->prev = seh_head();
    seh_set_head(r);
}

static inline __attribute__((always_inline)) void seh_unlink(REG *r)
{
    seh_set_head(r->prev);
}

static volatile int zero = 0;

/* =====================================================================================
 * (a) RaiseCaught: RaiseException caught two instrumented frames up.
 *     RaiseCaught [record A, handler a_outer_handler] -> a_middle [record M, a_middle_handler]
 *     -> a_inner -> RaiseException(0xE0000001, param 0x1234).
 *     Search: a_middle_handler (ContinueSearch), a_outer_handler (takes it, global unwind:
 *     a_middle_handler called again with EXCEPTION_UNWINDING, then resume in RaiseCaught).
 *     Returns 100 + 1 (outer caught code+param) + 2 (middle searched) + 4 (middle unwound) = 107.
 * ===================================================================================== */
static volatile int a_middle_bits;

HOOKABLE EXCEPTION_DISPOSITION a_middle_handler(EXCEPTION_RECORD *rec, void *frame,
                                               CONTEXT *ctx, void *dc)
{
    (void)frame; (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        a_middle_bits |= 4;
    else if (rec->ExceptionCode == 0xE0000001ul)
        a_middle_bits |= 2;
    return ExceptionContinueSearch;
}

HOOKABLE EXCEPTION_DISPOSITION a_outer_handler(EXCEPTION_RECORD *rec, void *frame,
                                              CONTEXT *ctx, void *dc)
{
    SEH_FRAME *f = (SEH_FRAME *)frame;
    (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != 0xE0000001ul)
        return ExceptionContinueSearch;
    if (rec->NumberParameters == 1 && rec->ExceptionInformation[0] == 0x1234)
        f->bits |= 1;
    seh_global_unwind(&f->reg, rec); /* a_middle_handler sees EXCEPTION_UNWINDING */
    seh_resume(f, 1);                /* never returns: like MSVC's __except_handler3 */
}

HOOKABLE int a_inner(int n)
{
    ULONG_PTR param = 0x1234;
    RaiseException(0xE0000001ul, 0, 1, &param);
    return n + 1000; /* not reached */
}

HOOKABLE int a_middle(int n)
{
    REG m;
    seh_link(&m, a_middle_handler);
    int r = a_inner(n) + zero;
    seh_unlink(&m); /* not reached */
    return r;
}

HOOKABLE int WINAPI RaiseCaught(void)
{
    SEH_FRAME f;
    f.bits = 0;
    a_middle_bits = 0;
    f.reg.handler = a_outer_handler;
    if (seh_try(&f) == 0) {
        int r = a_middle(1);
        seh_unlink(&f.reg);
        return r; /* not reached: would be 1001 */
    }
    seh_unlink(&f.reg);
    return 100 + (f.bits | a_middle_bits);
}

/* =====================================================================================
 * (b) Nested: an exception raised inside a handler.
 *     Nested [record O, b_outer_handler] -> b_inner [record I, b_inner_handler]
 *     -> RaiseException(0xE0000001). b_inner_handler, for 0xE0000001, calls b_raise_again
 *     -> RaiseException(0xE0000002) from inside the handler. The second dispatch walks:
 *     the dispatcher's own nested-exception record (returns ExceptionNestedException: the
 *     dispatcher sets EXCEPTION_NESTED_CALL), record I (b_inner_handler sees 0xE0000002 WITH
 *     EXCEPTION_NESTED_CALL and continues the search; the flag is cleared after record I, the
 *     frame that was being dispatched), record O (b_outer_handler takes 0xE0000002, global
 *     unwind: b_inner_handler called with EXCEPTION_UNWINDING, resume in Nested).
 *     Returns 200 + 1 (inner saw E0000001) + 2 (inner saw E0000002) + 16 (...with
 *     EXCEPTION_NESTED_CALL) + 4 (inner unwound) + 8 (outer caught E0000002) = 231.
 * ===================================================================================== */
static volatile int b_bits;

HOOKABLE int b_raise_again(int n)
{
    RaiseException(0xE0000002ul, 0, 0, NULL);
    return n; /* not reached */
}

HOOKABLE EXCEPTION_DISPOSITION b_inner_handler(EXCEPTION_RECORD *rec, void *frame,
                                              CONTEXT *ctx, void *dc)
{
    (void)frame; (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND) {
        b_bits |= 4;
        return ExceptionContinueSearch;
    }
    if (rec->ExceptionCode == 0xE0000001ul) {
        b_bits |= 1;
        b_raise_again(2); /* nested exception: never returns */
        return ExceptionContinueSearch;
    }
    if (rec->ExceptionCode == 0xE0000002ul) {
        b_bits |= 2;
        if (rec->ExceptionFlags & EXCEPTION_NESTED_CALL)
            b_bits |= 16;
    }
    return ExceptionContinueSearch;
}

HOOKABLE EXCEPTION_DISPOSITION b_outer_handler(EXCEPTION_RECORD *rec, void *frame,
                                              CONTEXT *ctx, void *dc)
{
    SEH_FRAME *f = (SEH_FRAME *)frame;
    (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != 0xE0000002ul)
        return ExceptionContinueSearch;
    f->bits |= 8;
    seh_global_unwind(&f->reg, rec);
    seh_resume(f, 1);
}

HOOKABLE int b_inner(int n)
{
    REG i;
    seh_link(&i, b_inner_handler);
    RaiseException(0xE0000001ul, 0, 0, NULL);
    seh_unlink(&i); /* not reached */
    return n + zero;
}

HOOKABLE int WINAPI Nested(void)
{
    SEH_FRAME f;
    f.bits = 0;
    b_bits = 0;
    f.reg.handler = b_outer_handler;
    if (seh_try(&f) == 0) {
        int r = b_inner(1);
        seh_unlink(&f.reg);
        return r; /* not reached */
    }
    seh_unlink(&f.reg);
    return 200 + (f.bits | b_bits);
}

/* =====================================================================================
 * (c) DivideByZero: `idiv` by a volatile zero in c_divide, a filter-style handler in
 *     DivideByZero checks the code (STATUS_INTEGER_DIVIDE_BY_ZERO 0xC0000094) and resumes at a
 *     safe point WITHOUT RtlUnwind: it rewrites CONTEXT (Eip/Esp/Ebp/Ebx/Esi/Edi/Eax) to the
 *     seh_try resume point and returns ExceptionContinueExecution (the dispatcher's
 *     NtContinue lands there). c_divide's frame is left by the ESP jump.
 *     Returns 300 + 1 (code matched) + 2 (exception address inside c_divide) = 303.
 * ===================================================================================== */
HOOKABLE int c_divide(int a, int b);

HOOKABLE EXCEPTION_DISPOSITION c_filter_handler(EXCEPTION_RECORD *rec, void *frame,
                                               CONTEXT *ctx, void *dc)
{
    SEH_FRAME *f = (SEH_FRAME *)frame;
    (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != STATUS_INTEGER_DIVIDE_BY_ZERO)
        return ExceptionContinueSearch;
    f->bits |= 1;
    DWORD at = (DWORD)rec->ExceptionAddress;
    if (at > (DWORD)c_divide && at < (DWORD)c_divide + 64)
        f->bits |= 2;
    ctx->Ebx = f->jb[0];
    ctx->Esi = f->jb[1];
    ctx->Edi = f->jb[2];
    ctx->Ebp = f->jb[3];
    ctx->Esp = f->jb[4];
    ctx->Eip = f->jb[5];
    ctx->Eax = 1; /* seh_try returns 1 */
    return ExceptionContinueExecution;
}

HOOKABLE int c_divide(int a, int b)
{
    return a / b; /* idiv: #DE when b == 0 */
}

HOOKABLE int WINAPI DivideByZero(void)
{
    SEH_FRAME f;
    f.bits = 0;
    f.reg.handler = c_filter_handler;
    if (seh_try(&f) == 0) {
        int r = c_divide(100, zero);
        seh_unlink(&f.reg);
        return r; /* not reached */
    }
    seh_unlink(&f.reg);
    return 300 + f.bits;
}

/* =====================================================================================
 * (d) ContinueExecution: d_raise raises a continuable 0xE0000004 whose parameter is a pointer
 *     to a zero "cause"; d_fix_handler writes 7 through it (fixes the cause) and returns
 *     ExceptionContinueExecution; RaiseException returns normally into d_raise, which returns
 *     the fixed value. No frame is skipped, nothing unwinds.
 *     Returns 400 + 7 (fixed value) + 10 * 1 (handler calls) = 417.
 * ===================================================================================== */
static volatile int d_calls;

HOOKABLE EXCEPTION_DISPOSITION d_fix_handler(EXCEPTION_RECORD *rec, void *frame,
                                            CONTEXT *ctx, void *dc)
{
    (void)frame; (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != 0xE0000004ul || rec->NumberParameters != 1)
        return ExceptionContinueSearch;
    d_calls++;
    *(volatile int *)rec->ExceptionInformation[0] = 7;
    return ExceptionContinueExecution;
}

HOOKABLE int d_raise(void)
{
    volatile int cause = 0;
    ULONG_PTR param = (ULONG_PTR)&cause;
    RaiseException(0xE0000004ul, 0, 1, &param); /* flags 0: continuable */
    return cause;
}

HOOKABLE int WINAPI ContinueExecution(void)
{
    REG r;
    d_calls = 0;
    seh_link(&r, d_fix_handler);
    int v = d_raise();
    seh_unlink(&r);
    return 400 + v + 10 * d_calls;
}

/* =====================================================================================
 * (e) BadRecord: a registration record OUTSIDE the thread's stack (a static global) is put on
 *     top of a valid on-stack record, then 0xE0000005 is raised. RtlDispatchException checks
 *     every record against the stack limits (TEB StackLimit..StackBase) before calling its
 *     handler; the first record fails: it sets EXCEPTION_STACK_INVALID and returns FALSE
 *     without calling any handler, so the valid record below is never reached. The exception
 *     is unhandled: the thread (for an EXE, the process) ends with code 0xE0000005.
 *     If it ever returns, it returns 555 (e_bad_handler ran: the record was wrongly accepted)
 *     or 556 (e_good_handler ran: dispatch wrongly skipped the bad record and went on).
 * ===================================================================================== */
static REG e_static_record; /* in .bss: not on any stack */

HOOKABLE EXCEPTION_DISPOSITION e_bad_handler(EXCEPTION_RECORD *rec, void *frame,
                                            CONTEXT *ctx, void *dc)
{
    (void)frame; (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    *(volatile int *)rec->ExceptionInformation[0] = 555;
    return ExceptionContinueExecution;
}

HOOKABLE EXCEPTION_DISPOSITION e_good_handler(EXCEPTION_RECORD *rec, void *frame,
                                             CONTEXT *ctx, void *dc)
{
    (void)frame; (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    *(volatile int *)rec->ExceptionInformation[0] = 556;
    return ExceptionContinueExecution;
}

HOOKABLE int e_raise(volatile int *result)
{
    ULONG_PTR param = (ULONG_PTR)result;
    RaiseException(0xE0000005ul, 0, 1, &param);
    return *result;
}

HOOKABLE int WINAPI BadRecord(void)
{
    REG good;
    volatile int result = 0;
    seh_link(&good, e_good_handler);
    seh_link(&e_static_record, e_bad_handler);
    int r = e_raise(&result);
    seh_unlink(&e_static_record);
    seh_unlink(&good);
    return r;
}

/* =====================================================================================
 * (f) AccessViolation: f_read reads address 0x10 (unmapped: the first 64 KB never are).
 *     f_av_handler checks STATUS_ACCESS_VIOLATION, ExceptionInformation[0] == 0 (read) and
 *     ExceptionInformation[1] == 0x10, global-unwinds and resumes in AccessViolation.
 *     Returns 600 + 1 (code) + 2 (read) + 4 (address 0x10) = 607.
 * ===================================================================================== */
HOOKABLE EXCEPTION_DISPOSITION f_av_handler(EXCEPTION_RECORD *rec, void *frame,
                                           CONTEXT *ctx, void *dc)
{
    SEH_FRAME *f = (SEH_FRAME *)frame;
    (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != STATUS_ACCESS_VIOLATION)
        return ExceptionContinueSearch;
    f->bits |= 1;
    if (rec->NumberParameters >= 2) {
        if (rec->ExceptionInformation[0] == 0)
            f->bits |= 2;
        if (rec->ExceptionInformation[1] == 0x10)
            f->bits |= 4;
    }
    seh_global_unwind(&f->reg, rec);
    seh_resume(f, 1);
}

HOOKABLE int f_read(volatile int *p)
{
    return *p + 1;
}

HOOKABLE int WINAPI AccessViolation(void)
{
    SEH_FRAME f;
    f.bits = 0;
    f.reg.handler = f_av_handler;
    if (seh_try(&f) == 0) {
        int r = f_read((volatile int *)0x10);
        seh_unlink(&f.reg);
        return r; /* not reached */
    }
    seh_unlink(&f.reg);
    return 600 + f.bits;
}

/* All handled cases in a row, then a normal call to show tracing continues:
   107 + 231 + 303 + 417 + 607 = 1665. */
HOOKABLE int WINAPI RunAll(void)
{
    return RaiseCaught() + Nested() + DivideByZero() + ContinueExecution() + AccessViolation();
}

/* fs:[0] after all that: returns 1 if the chain head is the same before and after RunAll
   (every case unlinked its records), else 0. */
HOOKABLE int WINAPI ChainIntact(void)
{
    REG *before = seh_head();
    int r = RunAll();
    return seh_head() == before && r == 1665;
}

HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
