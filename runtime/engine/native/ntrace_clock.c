/*
 * ntrace_clock: the deterministic instruction clock, counted per translated block by a native
 * block hook instead of unicorn's per-instruction count (runtime/engine/README.md, "Clock").
 *
 * unicorn's instruction count (uc_emu_start with a count) installs a hook on every instruction:
 * ~8 ns per instruction, and every other hook becomes ~10x dearer. Here a block hook adds the
 * block's charge (its instruction count, or what the host says for its own code) when a block
 * starts; a slice's budget is checked at block starts, where stopping runs none of the block.
 *
 * Charges are cached per block start. A miss asks unicorn for the block's instruction count
 * (UC_CTL_TB_REQUEST_CACHE: the block that is about to run is in the cache), or, for blocks that
 * start inside a host range (the tracer's thunks, trampolines and patch sites: its own
 * instructions are not the program's), the host's charge callback.
 *
 * Watched ranges (ntc_watch): a block that starts in one calls the watch's native callback
 * after it is charged, from this hook. The tracer's entry and exit slots are watched this way
 * instead of by code hooks: unicorn calls a hook type's only hook straight from the
 * translated code, but with several of a type (the machine's own code hooks are always there)
 * every hooked instruction goes through its dispatcher, which walks them all (~7 ns a call,
 * two calls per traced call).
 *
 * Build: runtime/engine/native/build.sh (links libunicorn.so.2).
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ntrace_clock.h"

typedef void uc_engine;
typedef struct {
  uint64_t pc;
  uint16_t icount;
  uint16_t size;
} uc_tb;
extern int uc_emu_stop(uc_engine *uc);
extern int uc_ctl(uc_engine *uc, int control, ...);

/* UC_CTL_READ_WRITE(UC_CTL_TB_REQUEST_CACHE, 2): type 8, 2 arguments, read and write. */
#define CTL_TB_REQUEST_CACHE (8 | (2 << 26) | (3u << 30))

typedef uint32_t (*charge_cb_t)(uint32_t address, uint32_t size);
/* a watch's callback: the signature of a unicorn code hook */
typedef void (*watch_cb_t)(uc_engine *uc, uint64_t address, uint32_t size, void *user);

/* used: 0 empty, 1 cached, 2 + k cached and the block starts in watch k */
typedef struct {
  uint32_t start, size, charge, used;
} entry_t;

typedef struct {
  uint32_t begin, end; /* [begin, end] */
  watch_cb_t cb;
  void *user;
} watch_t;

typedef struct {
  uc_engine *uc;
  ntrace_clock_view v; /* at offset 8: read by the tracer's hooks and the engine */
  charge_cb_t charge_cb;
  /* sorted, disjoint [begin, end) host ranges whose blocks the callback charges */
  uint32_t *host;
  uint32_t host_count;
  /* watched ranges (never removed: thunk areas outlive their modules) */
  watch_t *watches;
  uint32_t watch_count;
  /* open-addressing cache of block charges */
  entry_t *cache;
  uint32_t cache_mask, cache_used;
  /* this engine's slices stop for attention (ntc_attend); others, e.g. a machine being built
     while a tick is pending, never see it */
  uint32_t attend;
} clock_state;

clock_state *ntc_create(uc_engine *uc, charge_cb_t charge_cb) {
  clock_state *c = calloc(1, sizeof *c);
  c->uc = uc;
  c->charge_cb = charge_cb;
  c->v.budget = UINT64_MAX;
  c->cache_mask = (1u << 16) - 1;
  c->cache = calloc(c->cache_mask + 1, sizeof *c->cache);
  return c;
}

void ntc_destroy(clock_state *c) {
  free(c->cache);
  free(c->host);
  free(c->watches);
  free(c);
}

uint64_t *ntc_counter(clock_state *c) { return &c->v.counter; }

/* A new slice: count from 0, stop at the first block start at or past `budget` (0: none). */
void ntc_begin(clock_state *c, uint64_t budget) {
  c->v.counter = 0;
  c->v.budget = budget == 0 ? UINT64_MAX : budget;
  c->v.stopped_on_budget = 0;
  c->v.last_start = c->v.last_size = c->v.last_charge = 0;
}

/* {last block start, its size, its charge, stopped on budget} for the end-of-slice correction. */
void ntc_last(clock_state *c, uint32_t *out) {
  out[0] = c->v.last_start;
  out[1] = c->v.last_size;
  out[2] = c->v.last_charge;
  out[3] = c->v.stopped_on_budget;
}

static inline uint32_t slot_of(uint32_t start) { return (start * 2654435761u) >> 7; }

/* Drops cached charges of blocks that overlap [begin, end): their code changed (or their
   watch, ntc_watch). */
void ntc_forget(clock_state *c, uint32_t begin, uint32_t end) {
  int any = 0;
  for (uint32_t i = 0; i <= c->cache_mask; i++) {
    entry_t *e = &c->cache[i];
    if (e->used && e->start < end && e->start + e->size > begin) any = 1;
  }
  if (!any) return;
  /* rebuild without them (open addressing has no simple delete) */
  entry_t *old = c->cache;
  c->cache = calloc(c->cache_mask + 1, sizeof *c->cache);
  c->cache_used = 0;
  for (uint32_t i = 0; i <= c->cache_mask; i++) {
    entry_t *e = &old[i];
    if (!e->used || (e->start < end && e->start + e->size > begin)) continue;
    uint32_t s = slot_of(e->start) & c->cache_mask;
    while (c->cache[s].used) s = (s + 1) & c->cache_mask;
    c->cache[s] = *e;
    c->cache_used++;
  }
  free(old);
}

/* Whether [start, start + size) meets one of the sorted, disjoint ranges (pairs begin, end). */
static int meets(const uint32_t *pairs, uint32_t count, uint32_t start, uint32_t size) {
  uint32_t lo = 0, hi = count;
  while (lo < hi) { /* the first range ending after start */
    uint32_t mid = (lo + hi) / 2;
    if (pairs[2 * mid + 1] <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < count && pairs[2 * lo] < start + size;
}

/*
 * The host ranges (pairs begin, end; sorted, disjoint) whose blocks the callback charges.
 * Cached charges of blocks that meet an old or a new range are dropped (their charge may have
 * changed); the rest stay. Dropping the whole cache instead made every block of the program
 * ask unicorn again after each traced module's load and patch (~25 ms of a traced start-up).
 */
void ntc_set_host_ranges(clock_state *c, const uint32_t *pairs, uint32_t count) {
  uint32_t *old = c->host, old_count = c->host_count;
  /* the survivors, put back into the same (resident) table */
  entry_t *keep = malloc(sizeof(entry_t) * (c->cache_used ? c->cache_used : 1));
  uint32_t kept = 0;
  for (uint32_t i = 0; i <= c->cache_mask; i++) {
    const entry_t *e = &c->cache[i];
    if (e->used && !meets(old, old_count, e->start, e->size) && !meets(pairs, count, e->start, e->size)) keep[kept++] = *e;
  }
  memset(c->cache, 0, sizeof(entry_t) * (c->cache_mask + 1));
  for (uint32_t i = 0; i < kept; i++) {
    uint32_t s = slot_of(keep[i].start) & c->cache_mask;
    while (c->cache[s].used) s = (s + 1) & c->cache_mask;
    c->cache[s] = keep[i];
  }
  c->cache_used = kept;
  free(keep);
  c->host = malloc(sizeof(uint32_t) * 2 * (count ? count : 1));
  memcpy(c->host, pairs, sizeof(uint32_t) * 2 * count);
  c->host_count = count;
  free(old);
}

/*
 * Blocks that start in [begin, end] call cb(uc, start, size, user) each time they run, after
 * the block is charged and unless the slice stops there (then the block runs, and calls, when
 * the next slice starts with it). Used for code that is only ever entered by a jump or a
 * return, so that the watched address always starts a block.
 */
void ntc_watch(clock_state *c, uint32_t begin, uint32_t end, watch_cb_t cb, void *user) {
  c->watches = realloc(c->watches, sizeof(watch_t) * (c->watch_count + 1));
  c->watches[c->watch_count++] = (watch_t){ begin, end, cb, user };
  ntc_forget(c, begin, end + 1);
}

/* 0, or 1 + the watch that `start` is in */
static uint32_t watch_of(const clock_state *c, uint32_t start) {
  for (uint32_t k = 0; k < c->watch_count; k++)
    if (c->watches[k].begin <= start && start <= c->watches[k].end) return k + 1;
  return 0;
}

static int in_host(const clock_state *c, uint32_t a) {
  uint32_t lo = 0, hi = c->host_count;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (c->host[2 * mid + 1] <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->host_count && c->host[2 * lo] <= a;
}

static void grow(clock_state *c) {
  entry_t *old = c->cache;
  uint32_t old_mask = c->cache_mask;
  c->cache_mask = old_mask * 2 + 1;
  c->cache = calloc(c->cache_mask + 1, sizeof *c->cache);
  for (uint32_t i = 0; i <= old_mask; i++) {
    if (!old[i].used) continue;
    uint32_t s = slot_of(old[i].start) & c->cache_mask;
    while (c->cache[s].used) s = (s + 1) & c->cache_mask;
    c->cache[s] = old[i];
  }
  free(old);
}

/* A block not in the cache (or past its first probe): found or computed, then cached (its
   entry is returned). Out of line, so the block hook's common case (the first probe hits)
   saves and restores nothing. */
__attribute__((noinline)) static entry_t charge_of(clock_state *c, uint32_t start, uint32_t size) {
  uint32_t s = slot_of(start) & c->cache_mask;
  for (;;) {
    entry_t *e = &c->cache[s];
    if (!e->used) break;
    if (e->start == start && e->size == size) return *e;
    s = (s + 1) & c->cache_mask;
  }
  uint32_t charge;
  if (in_host(c, start)) {
    charge = c->charge_cb(start, size);
  } else {
    uc_tb tb;
    memset(&tb, 0, sizeof tb);
    if (uc_ctl(c->uc, CTL_TB_REQUEST_CACHE, (uint64_t)start, &tb) == 0 && tb.pc == start && tb.size == size) charge = tb.icount;
    else charge = c->charge_cb(start, size);
  }
  if (2 * (c->cache_used + 1) > c->cache_mask + 1) {
    grow(c);
    s = slot_of(start) & c->cache_mask;
    while (c->cache[s].used) s = (s + 1) & c->cache_mask;
  }
  c->cache[s] = (entry_t){ start, size, charge, 1 + watch_of(c, start) };
  c->cache_used++;
  return c->cache[s];
}

/*
 * Attention: the host wants the slice to end at the next block start, exactly like a budget
 * stop (so the clock stays exact and the slice can go on where it stopped): a watched signal
 * arrived (SIGINT, SIGTERM) or the ticker's period passed (the host checks its wall-clock
 * limits and flushes the trace). Set from a signal handler or the ticker thread, read by the
 * block hook: one word, process-wide (one engine runs at a time in a process).
 */
#define ATTENTION_TICK 1u
#define ATTENTION_SIGNAL 2u
/* Set by the signal handler (main thread) and the ticker thread, taken by the host: every
   change is one lock-free atomic operation (async-signal-safe), so none is lost. */
static volatile int attention;
static volatile int attention_signal;

static void on_signal(int signo) {
  __atomic_store_n(&attention_signal, signo, __ATOMIC_SEQ_CST); /* before the bit that says it is there */
  __atomic_fetch_or(&attention, ATTENTION_SIGNAL, __ATOMIC_SEQ_CST);
}

static struct sigaction saved_int, saved_term;
static int signal_watchers;

/*
 * Catches SIGINT and SIGTERM (SA_RESETHAND: a second one acts as if never caught) while at
 * least one engine watches them; the previous handlers come back when the last one stops.
 */
void ntc_watch_signals(int on) {
  if (on && signal_watchers++ == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* no SA_RESTART: a read blocked on the program's stdin returns EINTR, so Ctrl-C ends a
       program waiting for input too (libuv retries every other interrupted call) */
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_int);
    sigaction(SIGTERM, &sa, &saved_term);
  } else if (!on && signal_watchers > 0 && --signal_watchers == 0) {
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
  }
}

static pthread_t ticker;
static pthread_mutex_t tick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tick_wake = PTHREAD_COND_INITIALIZER;
static uint32_t tick_ms; /* 0: no ticker thread */

static void *tick_loop(void *unused) {
  (void)unused;
  pthread_mutex_lock(&tick_lock);
  while (tick_ms != 0) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(tick_ms % 1000) * 1000000L;
    until.tv_sec += tick_ms / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    if (pthread_cond_timedwait(&tick_wake, &tick_lock, &until) != 0 && tick_ms != 0) __atomic_fetch_or(&attention, ATTENTION_TICK, __ATOMIC_SEQ_CST);
  }
  pthread_mutex_unlock(&tick_lock);
  return NULL;
}

static int tick_users;

/* Sets the ticker's period (the thread runs while someone needs it); 0 stops it and waits for it to end. */
static void set_tick(uint32_t ms) {
  pthread_mutex_lock(&tick_lock);
  uint32_t was = tick_ms;
  tick_ms = ms;
  pthread_cond_signal(&tick_wake);
  pthread_mutex_unlock(&tick_lock);
  if (ms != 0 && was == 0) {
    /* the ticker must never take a signal meant for the process's main thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (pthread_create(&ticker, NULL, tick_loop, NULL) != 0) tick_ms = 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  } else if (ms == 0 && was != 0) {
    pthread_join(ticker, NULL);
    __atomic_fetch_and(&attention, ~ATTENTION_TICK, __ATOMIC_SEQ_CST); /* a tick nobody takes any more */
  }
}

/*
 * An engine wants ticks every `ms` (on) or no longer does (off). The ticker thread runs while
 * one does; the last one stops it and waits for it (the engine does so when it closes: the
 * library may be unloaded after that, never under a running thread).
 */
void ntc_want_ticks(int on, uint32_t ms) {
  if (on && tick_users++ == 0) set_tick(ms);
  else if (!on && tick_users > 0 && --tick_users == 0) set_tick(0);
}

/* Whether this engine's slices stop for attention. */
void ntc_attend(clock_state *c, int on) { c->attend = on != 0; }

/* Takes and clears what needs attention: bit 0 a tick, bits 8.. the signal number (0: none). */
uint32_t ntc_take_attention(void) {
  uint32_t a = (uint32_t)__atomic_exchange_n(&attention, 0, __ATOMIC_SEQ_CST);
  /* the number only with its bit: a signal arriving now sets both again, for the next take */
  uint32_t signo = (a & ATTENTION_SIGNAL) ? (uint32_t)__atomic_exchange_n(&attention_signal, 0, __ATOMIC_SEQ_CST) : 0;
  return (a & ATTENTION_TICK) | ((a & ATTENTION_SIGNAL) ? signo << 8 : 0);
}

/* The rare side of the block hook: the slice's budget is used up or the host wants attention. */
__attribute__((noinline)) static void stop_at_block(uc_engine *uc, clock_state *c, uint32_t address) {
  /* stopping here runs none of this block (unicorn checks the stop request at its start) */
  c->v.stopped_on_budget = c->v.counter >= c->v.budget ? 1 : 2;
  c->v.stop_at = address;
  uc_emu_stop(uc);
}

/* The block hook's other cases, out of line (a tail call from it): a stop, or a block not in
   the cache at its first probe (charge_of finds or computes it; it may be a watched one). */
__attribute__((noinline)) static void block_slow(uc_engine *uc, clock_state *c, uint32_t start, uint32_t size) {
  if (c->v.counter >= c->v.budget || (attention && c->attend)) {
    stop_at_block(uc, c, start);
    return;
  }
  entry_t found = charge_of(c, start, size);
  c->v.counter += found.charge;
  c->v.last_start = start;
  c->v.last_size = size;
  c->v.last_charge = found.charge;
  if (found.used > 1) {
    /* copied first: the callback may add watches (and move the table) */
    const watch_t w = c->watches[found.used - 2];
    w.cb(uc, start, size, w.user);
  }
}

/*
 * Every block start. The common case — no stop due, the block cached at its first probe — is
 * kept to what needs no saved registers (~2 ns a block: about a fifth of untraced emulation in
 * fib, so it matters); a watched block's callback is a tail call.
 */
void ntc_block_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  clock_state *c = user;
  uint32_t start = (uint32_t)address;
  const entry_t *e = &c->cache[slot_of(start) & c->cache_mask];
  if (__builtin_expect(c->v.counter < c->v.budget && !(attention && c->attend) && e->used != 0 && e->start == start && e->size == size, 1)) {
    uint32_t charge = e->charge, used = e->used;
    c->v.counter += charge;
    c->v.last_start = start;
    c->v.last_size = size;
    c->v.last_charge = charge;
    if (__builtin_expect(used == 1, 1)) return;
    /* a watched block (the tracer's slots: twice per traced call), a tail call */
    const watch_t *w = &c->watches[used - 2];
    w->cb(uc, address, size, w->user);
    return;
  }
  block_slow(uc, c, start, size);
}

void *ntc_block_hook_fn(void) { return (void *)ntc_block_hook; }


/* Unloading the library (process exit) with the ticker still running would leave it in unmapped code. */
__attribute__((destructor)) static void stop_ticker_on_unload(void) { set_tick(0); }
