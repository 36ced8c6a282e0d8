/* Shared by the ntrace samples: the macro that makes a function hot-patchable in the form the
 * build selects, and the minimal Win32 declarations the samples use (no SDK, no CRT).
 *
 *   NTRACE_MSVC_FORM defined (mingw gcc): ms_hook_prologue -> mov edi,edi; push ebp; mov ebp,esp
 *     and 16-byte alignment; build.sh turns the alignment into >= 5 bytes of CC.
 *   otherwise (clang-cl /hotpatch): the compiler makes the first instruction >= 2 bytes and
 *     lld-link /functionpadmin:5 supplies the padding.
 * Both: noinline, so every function in the C source is a function in the image, and no tail
 * calls / tail-recursion elimination, so call counts equal the C source's calls. */
#ifndef NTRACE_SAMPLE_H
#define NTRACE_SAMPLE_H

#ifdef NTRACE_MSVC_FORM
#define HOOKABLE __attribute__((ms_hook_prologue, noinline, aligned(16)))
#else
#define HOOKABLE __declspec(noinline) __attribute__((disable_tail_calls))
#endif

#define WINAPI __stdcall
typedef int BOOL;
typedef unsigned long DWORD;
typedef unsigned long ULONG_PTR;
typedef void *HANDLE;
typedef void *LPVOID;
typedef const char *LPCSTR;
#define NULL ((void *)0)
#define TRUE 1
#define FALSE 0
#define INFINITE 0xFFFFFFFFul
#define WAIT_OBJECT_0 0ul

#endif
