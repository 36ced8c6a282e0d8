/* seh_asm.S: the three pieces of x86 SEH plumbing a compiler would normally provide
 * (setjmp-like resume point, jump back to it, MSVC _global_unwind2). See seh.c and README.md.
 *
 * These three are deliberately NOT hot-patchable: each starts with a 1-byte instruction and
 * none is preceded by padding. seh_try returns twice and seh_resume never returns, so a
 * return-address-rewriting tracer must not wrap them (the same reason tracers skip setjmp). */
        .intel_syntax noprefix
        .text
        .p2align 4, 0xcc
        ret                               /* not padding (C3): seh_try gets no padding */

/* int seh_try(SEH_FRAME *f)  [cdecl, returns twice]
 * Saves ebx, esi, edi, ebp, esp (as after the return) and the return address into f->jb,
 * links f->reg at the head of fs:[0], returns 0. seh_resume(f, v) or a handler that rewrites
 * CONTEXT to f->jb makes it return v (non-zero) a second time. */
        .globl _seh_try
_seh_try:
        pop     edx                       /* return address */
        mov     eax, [esp]                /* f (cdecl: caller pops it) */
        mov     [eax + 8], ebx
        mov     [eax + 12], esi
        mov     [eax + 16], edi
        mov     [eax + 20], ebp
        mov     [eax + 24], esp
        mov     [eax + 28], edx
        mov     ecx, fs:[0]
        mov     [eax], ecx                /* f->reg.prev = head */
        mov     fs:[0], eax               /* head = &f->reg */
        xor     eax, eax
        jmp     edx

/* void seh_resume(SEH_FRAME *f, int value)  [cdecl, never returns]
 * Restores the registers saved by seh_try and continues at its return point with eax=value.
 * Does not touch fs:[0]: the caller unwinds (seh_global_unwind) first. */
        .globl _seh_resume
_seh_resume:
        pop     eax                       /* discard return address */
        mov     ecx, [esp]                /* f */
        mov     eax, [esp + 4]            /* value */
        mov     ebx, [ecx + 8]
        mov     esi, [ecx + 12]
        mov     edi, [ecx + 16]
        mov     ebp, [ecx + 20]
        mov     esp, [ecx + 24]
        jmp     dword ptr [ecx + 28]

/* void seh_global_unwind(EXCEPTION_REGISTRATION_RECORD *target, EXCEPTION_RECORD *rec)
 * [cdecl] What MSVC's _global_unwind2 does: RtlUnwind(target, &after, rec, 0) calls every
 * handler above target with EXCEPTION_UNWINDING and unlinks them; on Windows it comes back to
 * `after` through NtContinue with a context captured inside RtlUnwind, so the callee-saved
 * registers are kept on the stack across the call. */
        .globl _seh_global_unwind
_seh_global_unwind:
        push    ebp
        push    ebx
        push    esi
        push    edi
        push    0                         /* ReturnValue */
        push    dword ptr [esp + 28]      /* rec    (4 saved + 1 pushed + ret = 24, +4) */
        push    offset 1f                 /* TargetIp */
        push    dword ptr [esp + 32]      /* target (4 saved + 3 pushed + ret = 32) */
        call    dword ptr [__imp__RtlUnwind@16]
1:
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        ret
