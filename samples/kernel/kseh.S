/* kseh.S: x86 SEH plumbing for the kernel samples (a compiler's __try would provide it):
 * a setjmp-like resume point, the jump back to it, and MSVC's _global_unwind2 (RtlUnwind).
 * Same contract as samples/seh/seh_asm.S; here fs:[0] is KPCR.NtTib.ExceptionList.
 * Deliberately NOT hot-patchable (1-byte first instructions, no padding): kseh_try returns
 * twice and kseh_resume never returns, so a tracer must not wrap them. */
        .intel_syntax noprefix
        .text
        .p2align 4, 0xcc
        ret

/* int kseh_try(KSEH_FRAME *f) [cdecl, returns twice]: saves ebx esi edi ebp esp eip in
 * f->jb (+8), links f->reg into fs:[0], returns 0. */
        .globl _kseh_try
_kseh_try:
        pop     edx
        mov     eax, [esp]
        mov     [eax + 8], ebx
        mov     [eax + 12], esi
        mov     [eax + 16], edi
        mov     [eax + 20], ebp
        mov     [eax + 24], esp
        mov     [eax + 28], edx
        mov     ecx, fs:[0]
        mov     [eax], ecx
        mov     fs:[0], eax
        xor     eax, eax
        jmp     edx

/* void kseh_resume(KSEH_FRAME *f, int value) [cdecl, never returns] */
        .globl _kseh_resume
_kseh_resume:
        pop     eax
        mov     ecx, [esp]
        mov     eax, [esp + 4]
        mov     ebx, [ecx + 8]
        mov     esi, [ecx + 12]
        mov     edi, [ecx + 16]
        mov     ebp, [ecx + 20]
        mov     esp, [ecx + 24]
        jmp     dword ptr [ecx + 28]

/* void kseh_global_unwind(REG *target, EXCEPTION_RECORD *rec) [cdecl] */
        .globl _kseh_global_unwind
_kseh_global_unwind:
        push    ebp
        push    ebx
        push    esi
        push    edi
        push    0
        push    dword ptr [esp + 28]
        push    offset kseh_after_unwind
        push    dword ptr [esp + 32]
        call    dword ptr [__imp__RtlUnwind@16]
kseh_after_unwind:
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        ret
