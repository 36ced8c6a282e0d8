/* kseh.h: hand-built SEH frames for the kernel samples (see kseh.S). */
#ifndef NTRACE_KSEH_H
#define NTRACE_KSEH_H
#include "kdk.h"

typedef struct _EXCEPTION_RECORD {
    ULONG ExceptionCode;
    ULONG ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    PVOID ExceptionAddress;
    ULONG NumberParameters;
    ULONG_PTR ExceptionInformation[15];
} EXCEPTION_RECORD;
_Static_assert(sizeof(EXCEPTION_RECORD) == 0x50, "EXCEPTION_RECORD");

typedef enum { ExceptionContinueExecution = 0, ExceptionContinueSearch = 1 } EXCEPTION_DISPOSITION;
#define EXCEPTION_UNWINDING 0x2
#define EXCEPTION_EXIT_UNWIND 0x4

typedef EXCEPTION_DISPOSITION (__cdecl *KSEH_HANDLER)(EXCEPTION_RECORD *, void *, void *, void *);
typedef struct _KSEH_REG { struct _KSEH_REG *prev; KSEH_HANDLER handler; } KSEH_REG;
typedef struct {
    KSEH_REG reg;          /* +0: the establisher frame fs:[0] points to */
    ULONG jb[6];           /* +8: ebx esi edi ebp esp eip */
    volatile ULONG code;   /* the exception code the handler took */
} KSEH_FRAME;
_Static_assert(__builtin_offsetof(KSEH_FRAME, jb) == 8, "KSEH_FRAME.jb");

int __cdecl kseh_try(KSEH_FRAME *f) __attribute__((returns_twice));
void __cdecl kseh_resume(KSEH_FRAME *f, int value) __attribute__((noreturn));
void __cdecl kseh_global_unwind(KSEH_REG *target, EXCEPTION_RECORD *rec);

static __inline __attribute__((always_inline)) void kseh_unlink(KSEH_FRAME *f)
{
    __asm__ volatile("movl %0, %%fs:0" : : "r"(f->reg.prev) : "memory");
}
#endif
