/* The counting runtime of the -finstrument-functions reference builds (<program>-callcount.exe,
   see build.sh build_callcount): counts the calls of every instrumented function and prints
   "callcount <rva> <calls>" lines on stderr when the process exits, in no particular order.
   Built without -finstrument-functions. Single-threaded programs only (no locking). */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#define SLOTS 4096 /* open addressing; far more than any sample's functions */

static void *functions[SLOTS];
static unsigned long long calls[SLOTS];

void __cyg_profile_func_enter(void *fn, void *site)
{
    (void)site;
    unsigned slot = ((unsigned)(size_t)fn >> 4) % SLOTS;
    while (functions[slot] != NULL && functions[slot] != fn)
        slot = (slot + 1) % SLOTS;
    functions[slot] = fn;
    calls[slot]++;
}

void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)fn;
    (void)site;
}

static void print_counts(void)
{
    size_t base = (size_t)GetModuleHandleA(NULL);
    for (unsigned i = 0; i < SLOTS; i++)
        if (functions[i] != NULL)
            fprintf(stderr, "callcount %08x %llu\n", (unsigned)((size_t)functions[i] - base), calls[i]);
}

/* The first constructor (priority 101) registers print_counts with atexit before anything else
   does: atexit handlers run last-registered first, so it runs after every other one (the
   static destructors __tcf_N of the program included) and counts their calls. */
__attribute__((constructor(101))) static void register_print_counts(void)
{
    atexit(print_counts);
}
