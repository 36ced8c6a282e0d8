/* hotpatch: functions of different shapes in the MSVC hot-patch form (mingw gcc
 * ms_hook_prologue: every function starts with 8B FF 55 8B EC and has >= 5 bytes of CC before
 * it). Exports call each other; stack_hog has by far the largest frame (the stack-usage
 * test's target); Spin never returns (the --max-instructions test). Expected results in
 * README.md. No CRT, no imports. */
#include "../include/sample.h"

static volatile int sink; /* keeps results observable so nothing is folded away */

/* Leaf with two arguments. */
HOOKABLE int WINAPI Add(int a, int b)
{
    return a + b;
}

/* Export calling an export. */
HOOKABLE int WINAPI Twice(int n)
{
    return Add(n, n);
}

/* Internal (static) function: appears in the COFF symbol table only (not exported, not a
   PDB public). */
static HOOKABLE int square(int n)
{
    return n * n;
}

/* Three arguments, calls an export and an internal function. */
HOOKABLE int WINAPI Combine(int a, int b, int c)
{
    return Add(a, b) * c + square(c);
}

/* A loop making n calls: Loop(n) = sum of Add(i, 1) for i in 0..n-1 = n(n+1)/2. */
HOOKABLE int WINAPI Loop(int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += Add(i, 1);
    return total;
}

/* Small callee of the hog: its frame sits below the hog's big frame. */
static HOOKABLE int hog_helper(int s)
{
    return s ^ 0x5A5A;
}

/* The stack hog: a 3000-byte local buffer (volatile so the fill stays byte stores and no
   memset call appears). The frame is `sub esp, N` in the disassembly; N is in README.md. */
HOOKABLE int stack_hog(int n)
{
    volatile unsigned char buf[3000];
    int s = 0;
    for (int i = 0; i < (int)sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + n);
    for (int i = 0; i < (int)sizeof buf; i += 3)
        s += buf[i];
    return hog_helper(s);
}

/* Export reaching the hog through one more frame. */
HOOKABLE int WINAPI HogStack(int n)
{
    return stack_hog(n) + 1;
}

/* Never returns: a loop with a volatile store (an infinite loop without side effects would be
   undefined behaviour the compiler may delete). */
HOOKABLE void WINAPI Spin(void)
{
    for (;;)
        sink++;
}

/* Top-level export exercising the others: Run(n) = Combine(n, 2, 3) + Twice(n) + Loop(n)
   + HogStack(n). */
HOOKABLE int WINAPI Run(int n)
{
    int r = Combine(n, 2, 3);
    r += Twice(n);
    r += Loop(n);
    r += HogStack(n);
    sink = r;
    return r;
}

HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
