# Hand-picked encodings for the x86-32 length decoder; disassembled by llvm-objdump into
# tricky.objdump.txt (see regenerate.sh). Each line is one case.
.intel_syntax noprefix
.code32
.text
    nop
    mov edi, edi
    .byte 0x89, 0xff                    # mov edi,edi (other encoding)
    xchg ax, ax                         # 66 90
    push ebp
    mov ebp, esp
    sub esp, 0x12345678
    sub esp, 8
    add ax, 0x1234                      # 66 05 iw
    add eax, 0x12345678
    add al, 5
    mov eax, dword ptr [eax]
    mov eax, dword ptr [esp]            # SIB
    mov eax, dword ptr [esp + 8]        # SIB + disp8
    mov eax, dword ptr [esp + 0x1000]   # SIB + disp32
    mov eax, dword ptr [ebp + 8]
    mov eax, dword ptr [ebp - 0x1000]
    mov eax, dword ptr [0x12345678]     # A1 moffs
    mov dword ptr [0x12345678], eax     # A3 moffs
    mov al, byte ptr [0x12345678]       # A0
    mov ecx, dword ptr [0x12345678]     # modrm disp32
    mov eax, dword ptr [4*ecx + 0x1000] # SIB base=5 mod=0 disp32
    mov eax, dword ptr [eax + 4*ecx]
    lea eax, [eax + 2*ebx + 0x7f]
    mov dword ptr [esp + 4], 0x11223344 # C7 SIB disp8 imm32
    mov word ptr [esp + 4], 0x1122      # 66 C7 imm16
    mov byte ptr [eax], 1
    imul eax, ecx, 0x1000
    imul eax, ecx, 3
    imul ax, cx, 0x1000
    test byte ptr [eax], 1              # F6 /0 ib
    test dword ptr [eax + 4], 0x100     # F7 /0 id
    test word ptr [eax], 0x100          # 66 F7 /0 iw
    not dword ptr [eax]                 # F7 /2: no immediate
    neg byte ptr [eax]                  # F6 /3
    div ecx
    idiv dword ptr [ebp - 4]
    shl eax, 5
    shl dword ptr [eax], 1
    rol cl, cl
    enter 0x10, 0
    leave
    ret
    ret 8
    retf 4
    push 0x12345678
    push 8
    push word ptr [eax]
    pop dword ptr [eax]
    int3
    int 0x2e
    lock cmpxchg dword ptr [ecx], edx
    rep movsb
    rep stosd
    repne scasb
    mov eax, dword ptr fs:[0]
    mov eax, dword ptr fs:[0x18]
    mov dword ptr fs:[0], esp
    mov ecx, dword ptr gs:[eax + 8]
    .byte 0x2e, 0x74, 0x02              # branch hint cs jz
    .byte 0x67, 0x8b, 0x07              # mov eax,[bx]: 16-bit addressing
    .byte 0x67, 0x8b, 0x46, 0x10        # mov eax,[bp+0x10]
    .byte 0x67, 0x8b, 0x06, 0x34, 0x12  # mov eax,[0x1234]
    .byte 0x67, 0x8b, 0x87, 0x34, 0x12  # mov eax,[bx+0x1234]
    .byte 0x67, 0xa1, 0x34, 0x12        # mov eax,[moffs16]
    .byte 0x66, 0x67, 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56
    .byte 0xe8, 0x00, 0x01, 0x00, 0x00   # call rel32
    .byte 0xe9, 0x00, 0x02, 0x00, 0x00   # jmp rel32
    jmp 1f
    je 1f
    jne 2f
    jecxz 1f
    loop 1f
    loope 1f
    loopne 1f
1:  .byte 0x0f, 0x8f, 0x00, 0x50, 0x00, 0x00   # jg rel32
2:  call dword ptr [eax]
    call dword ptr [0x12345678]
    jmp dword ptr [4*eax + 0x12345678]
    jmp eax
    .byte 0x9a, 0x78, 0x56, 0x34, 0x12, 0x23, 0x00   # call far ptr16:32
    .byte 0xea, 0x78, 0x56, 0x34, 0x12, 0x1b, 0x00   # jmp far ptr16:32
    .byte 0x66, 0xea, 0x34, 0x12, 0x1b, 0x00         # jmp far ptr16:16
    movzx eax, byte ptr [ecx]
    movsx eax, word ptr [ecx + 4]
    cmove eax, ecx
    sete al
    bt eax, 5
    bts dword ptr [eax], ecx
    shld eax, ecx, 4
    shrd eax, ecx, cl
    bswap eax
    cpuid
    rdtsc
    xadd dword ptr [eax], ecx
    cmpxchg8b qword ptr [esi]
    nop dword ptr [eax + eax + 0]
    nop word ptr cs:[eax + eax + 0]
    ud2
    fld qword ptr [esp + 8]
    fstp dword ptr [eax]
    fxch st(1)
    fnstsw ax
    movd xmm0, eax
    movq xmm1, qword ptr [esp + 4]
    movaps xmm0, xmmword ptr [eax]
    movdqu xmm1, xmmword ptr [ecx + 16]
    pshufd xmm0, xmm1, 0x1b
    psrldq xmm0, 4
    cmpps xmm0, xmm1, 2
    shufps xmm0, xmm1, 0x44
    pshufb xmm0, xmm1
    pmulld xmm0, xmmword ptr [eax]
    pextrd eax, xmm0, 1
    palignr xmm0, xmm1, 5
    roundsd xmm0, xmm1, 4
    cvtsi2sd xmm0, dword ptr [eax]
    addsd xmm0, qword ptr [esp + 8]
    vaddps ymm0, ymm1, ymm2
    vmovdqu xmm0, xmmword ptr [eax + 0x100]
    vpermq ymm0, ymm1, 0x1b
    vpshufb ymm0, ymm1, ymmword ptr [esp + 4]
    vblendps ymm0, ymm1, ymm2, 5
    les eax, fword ptr [eax]
    lds eax, fword ptr [ecx + 4]
    .byte 0x62, 0x01                    # bound eax,[ecx]
    arpl word ptr [eax], cx
    aam
    aad 5
    xlatb
    in al, 0x60
    out 0x80, al
    in eax, dx
    hlt
    cli
    sti
    pushal
    popal
    pushfd
    popfd
    sahf
    lahf
    cdq
    cwde
    cbw
    mov eax, cr0
    mov cr3, eax
    mov eax, dr7
    wrmsr
    rdmsr
    sysenter
    lgdt [eax]
    sidt [ecx + 4]
    lidt [0x12345678]
    invlpg byte ptr [eax]
    mov ds, ax
    mov ax, ss
    push fs
    pop gs
    iretd
    popcnt eax, ecx
    lzcnt eax, dword ptr [eax]
    tzcnt eax, ecx
    crc32 eax, byte ptr [ecx]
    movbe eax, dword ptr [ecx]
    .byte 0xc7, 0xf8, 0x00, 0x03, 0x00, 0x00   # xbegin rel32
    .byte 0x66, 0xe8, 0x10, 0x00         # call rel16
    .byte 0x66, 0x0f, 0x84, 0x10, 0x00   # je rel16
    xabort 3
    xend
    pause
    mfence
    lfence
    sfence
    clflush byte ptr [eax]
    prefetchnta byte ptr [eax]
    fxsave [eax]
    ldmxcsr dword ptr [esp]
    rdrand eax
    rdtscp
    emms
    femms
    xgetbv
    .byte 0x0f, 0x0f, 0xc1, 0x9e       # pfadd mm0, mm1 (3DNow!)
    .byte 0x82, 0xc0, 0x05              # add al,5 via 82
    .byte 0xd6                          # salc
    .byte 0xf1                          # int1
    .byte 0xcc
