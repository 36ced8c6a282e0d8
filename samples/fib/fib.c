/* fib: the call-heavy sample.  Built three ways from this one source (see README.md):
 *   fib.dll        clang-cl /hotpatch + lld-link /functionpadmin:5   (clang prologue form)
 *   fib_msvc.dll   mingw gcc with ms_hook_prologue                   (MSVC "mov edi,edi" form)
 *   fib_nopad.dll  clang-cl without /hotpatch and without padding     (nothing patchable)
 * No CRT: the DLL entry point is DllMain itself. */

#ifdef NTRACE_MSVC_FORM
/* mov edi,edi; push ebp; mov ebp,esp + 16-byte alignment so >= 5 bytes of padding precede
   every function (the build script checks it). */
#define HOOKABLE __attribute__((ms_hook_prologue, noinline, aligned(16)))
/* (the gcc build also passes -fno-optimize-sibling-calls: gcc's tail-recursion pass would
   otherwise turn the second fib() call into a loop) */
#define EXPORT /* exports come from fib.def: undecorated names */
#else
/* disable_tail_calls also stops LLVM's tail-recursion elimination, which would otherwise
   turn the second fib() call into a loop (accumulator form) and change the call counts. */
#define HOOKABLE __declspec(noinline) __attribute__((disable_tail_calls))
#define EXPORT /* exports come from fib.def: undecorated names */
#endif

/* The base case of the recursion.  volatile keeps the body a real function the compiler
   cannot fold into its callers. */
static volatile int leaf_bias = 0;

HOOKABLE int leaf(int n)
{
    return n + leaf_bias;
}

/* Naive doubly recursive Fibonacci: fib calls = 2*F(n+1)-1, leaf calls = F(n+1). */
HOOKABLE int fib(int n)
{
    if (n < 2)
        return leaf(n);
    return fib(n - 1) + fib(n - 2);
}

/* Non-tail recursion n frames deep: the volatile local and the work after the call keep the
   compiler from turning it into a loop.  Deep(n) = n*(n+1)/2 (sum 1..n). */
HOOKABLE int deep(int n)
{
    volatile int here = n;
    if (n <= 0)
        return 0;
    return deep(n - 1) + here;
}

EXPORT HOOKABLE int __stdcall Run(int n)
{
    return fib(n);
}

EXPORT HOOKABLE int __stdcall Deep(int n)
{
    return deep(n);
}

HOOKABLE int __stdcall DllMain(void *instance, unsigned long reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return 1;
}
