/*
 * ntrace_hooks: the tracer's entry/exit hook callbacks in C (runtime/tracing/README.md).
 * A JS hook callback through koffi costs ~150-250 ns; the same work here costs tens of ns.
 * Only the fast paths live here: an entry pushes {return, entry ESP} on the current thread's
 * shadow stack and logs ENTRY; an exit whose ESP matches the top frame (a plain `ret`) pops it,
 * writes the real return into the return slot the exit thunk jumps through, and logs EXIT.
 * Everything else (dead frames, `ret n`, detached entries, a full log) calls the JS slow
 * callback, which has the whole rule set; it edits the shadow stack through ntr_remove_top.
 *
 * The log becomes trace events here too (ntr_emit, at every drain): the records are written
 * straight into the trace writer's column arrays, and the JS side mirrors the shadow stack
 * only from the lowest depth it reached since the last drain (ntr_sync_low), so no JS code
 * runs per event.
 *
 * Build: runtime/tracing/native/build.sh (clang, links libunicorn.so.2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "../../engine/native/ntrace_clock.h"

typedef void uc_engine;
extern int uc_reg_read(uc_engine *uc, int regid, void *value);
extern int uc_mem_read(uc_engine *uc, uint64_t address, void *bytes, size_t size);
extern int uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size);

#define REG_EAX 19
#define REG_ESP 30

/* An exit record's fn dword has this bit when its frame no longer records (closed by detach). */
#define NOT_RECORDING 0x80000000u

enum { SLOW_CUT = 1, SLOW_EXIT = 2, SLOW_FLUSH = 3, SLOW_DETACHED = 4, SLOW_NO_THREAD = 5, SLOW_BAD_STACK = 102 };
#define EXIT_TAG 0xffffffffu

typedef void (*slow_cb_t)(int why, uint32_t address, uint32_t value);

typedef struct {
  uint32_t ret;       /* the real return address */
  uint32_t esp;       /* ESP at the function's first instruction */
  uint32_t fn;        /* function id */
  uint32_t recording; /* 0 once detach closed the frame in the trace */
} frame_t;

typedef struct {
  frame_t *frames;
  uint32_t depth, cap;
  /* records: entry {fn, counter, entry ESP, args…}, exit {EXIT_TAG, counter, EAX, fn|NOT_RECORDING} */
  uint32_t *log;
  uint32_t used, log_cap;
  uint32_t read; /* ntr_emit's position in the log */
  /* since the last ntr_sync_low: the lowest depth and the highest entry ESP of a popped frame */
  uint32_t low, popped_esp;
} thread_t;

typedef struct {
  uc_engine *uc;
  const uint64_t *counter;
  uint32_t *ret_slot;
  uint32_t arg_count;
  uint32_t attached;
  /* 1: the entry hook writes the exit thunk into the return slot (else the thunk does it) */
  uint32_t write_exit;
  /* 1: counter is the engine's block clock (ntrace_clock_view) */
  uint32_t block_clock;
  slow_cb_t slow;
  thread_t *cur;
  /*
   * The mailbox layout (runtime/tracing/README.md "Thunks"): NULL, or the guest-writable host
   * page the thunks fill before the hooked slot — {real return, ESP, EAX} — so the hooks need
   * no register or memory reads from the engine on their fast paths.
   */
  uint32_t *mailbox;
} state_t;

typedef struct {
  state_t *st;
  uint32_t base; /* hook slots: base = exit, base + 8(i+1) = entry of function first_id + i */
  uint32_t first_id;
} area_t;

state_t *ntr_create(uc_engine *uc, const uint64_t *counter, uint32_t *ret_slot, uint32_t arg_count, slow_cb_t slow) {
  state_t *st = calloc(1, sizeof *st);
  st->uc = uc;
  st->counter = counter;
  st->ret_slot = ret_slot;
  st->arg_count = arg_count;
  st->attached = 1;
  st->slow = slow;
  return st;
}

area_t *ntr_area(state_t *st, uint32_t base, uint32_t first_id) {
  area_t *a = calloc(1, sizeof *a);
  a->st = st;
  a->base = base;
  a->first_id = first_id;
  return a;
}

thread_t *ntr_thread(uint32_t log_dwords) {
  thread_t *t = calloc(1, sizeof *t);
  t->cap = 1024;
  t->frames = malloc(sizeof(frame_t) * t->cap);
  t->log_cap = log_dwords;
  t->log = malloc(sizeof(uint32_t) * log_dwords);
  return t;
}

void ntr_select(state_t *st, thread_t *t) { st->cur = t; }
/* The mailbox is part of a thread's context: the tracer saves it at every slice end and puts
   it back at the thread's next slice start (a slice can end between a thunk's mailbox stores
   and its hooked slot, and other threads' thunks fill the mailbox meanwhile). */
void ntr_set_mailbox(state_t *st, uint32_t *mailbox) { st->mailbox = mailbox; }
void ntr_set_attached(state_t *st, uint32_t on) { st->attached = on; }
void ntr_set_write_exit(state_t *st, uint32_t on) { st->write_exit = on; }
uint32_t ntr_depth(thread_t *t) { return t->depth; }
uint32_t ntr_pending(thread_t *t) { return t->used - t->read; }
uint32_t ntr_frame_ret(thread_t *t, uint32_t from_top) { return from_top < t->depth ? t->frames[t->depth - 1 - from_top].ret : 0; }
/* The shadow stack itself (valid until the next push): the JS side reads frames [low, depth). */
frame_t *ntr_frames(thread_t *t) { return t->frames; }
static inline void popped(thread_t *t, uint32_t depth) {
  if (depth < t->low) t->low = depth;
}
/* Frames removed by JS are in its mirror already: they do not lower `low`. */
void ntr_remove_top(thread_t *t, uint32_t n) {
  t->depth = n >= t->depth ? 0 : t->depth - n;
  if (t->low > t->depth) t->low = t->depth;
}
static void push_frame(thread_t *t, uint32_t ret, uint32_t esp, uint32_t fn);
/* A frame opened by JS (a system call recorded at the dispatcher): its exit comes through the thunk. */
void ntr_push(thread_t *t, uint32_t ret, uint32_t esp, uint32_t fn) {
  push_frame(t, ret, esp, fn);
  t->low = t->depth; /* the mirror has it */
}
/* Detach: every open frame stops recording (its exit still returns through the thunk). */
void ntr_stop_recording(thread_t *t) {
  for (uint32_t i = 0; i < t->depth; i++) t->frames[i].recording = 0;
}
/*
 * The lowest depth since the last call (the JS mirror keeps frames below it, and reads the rest
 * from ntr_frames) and, in out[0], the highest entry ESP of a frame popped by a fast-path exit
 * meanwhile (0: none). Starts the next period.
 */
uint32_t ntr_sync_low(thread_t *t, uint32_t *out) {
  uint32_t low = t->low;
  out[0] = t->popped_esp;
  t->low = t->depth;
  t->popped_esp = 0;
  return low;
}

static inline uint32_t reg(state_t *st, int r) {
  uint64_t v = 0;
  uc_reg_read(st->uc, r, &v);
  return (uint32_t)v;
}

static void push_frame(thread_t *t, uint32_t ret, uint32_t esp, uint32_t fn) {
  if (t->depth == t->cap) {
    t->cap *= 2;
    t->frames = realloc(t->frames, sizeof(frame_t) * t->cap);
  }
  t->frames[t->depth] = (frame_t){ ret, esp, fn, 1 };
  t->depth++;
}

/* The running thread with room in its log for one more record (the slow path selects the
   thread on the first hook of a slice and flushes a full log); NULL when none runs. */
static inline thread_t *ready_thread(state_t *st, uint32_t addr) {
  thread_t *t = st->cur;
  if (t == NULL) {
    st->slow(SLOW_NO_THREAD, addr, 0);
    t = st->cur;
    if (t == NULL) return NULL;
  }
  if (t->used + 4 + st->arg_count > t->log_cap) {
    st->slow(SLOW_FLUSH, addr, 0);
    t = st->cur;
  }
  return t;
}

/* An entry of function `fn` at ESP `esp` (the return slot): frames left without returning are
   cut first, the frame {ret, esp, fn} is pushed, the return address becomes *exit_va when given,
   and the record {fn, counter, esp, args...} is logged. `ret` NULL: read the return slot here. */
static inline void record_entry(state_t *st, thread_t *t, uint32_t addr, uint32_t fn, uint32_t counter, uint32_t esp, const uint32_t *ret, const uint32_t *exit_va) {
  if (t->depth > 0 && t->frames[t->depth - 1].esp <= esp) {
    st->slow(SLOW_CUT, addr, esp);
    t = st->cur;
  }
  uint32_t buf[1 + 64];
  const uint32_t n = st->arg_count;
  if (ret != NULL) buf[0] = *ret;
  if ((ret == NULL || n > 0) && uc_mem_read(st->uc, ret == NULL ? esp : esp + 4, ret == NULL ? buf : buf + 1, 4 * (n + (ret == NULL))) != 0) {
    /* near the top of the stack the argument dwords may run past mapped memory: read what is
       there, 0 for the rest; an unreadable return slot goes to the JS path, which reports it */
    if (ret == NULL && uc_mem_read(st->uc, esp, buf, 4) != 0) {
      st->slow(SLOW_BAD_STACK, addr, esp);
      return;
    }
    for (uint32_t i = 0; i < n; i++)
      if (uc_mem_read(st->uc, esp + 4 + 4 * i, &buf[1 + i], 4) != 0) buf[1 + i] = 0;
  }
  push_frame(t, buf[0], esp, fn);
  if (exit_va != NULL) uc_mem_write(st->uc, esp, exit_va, 4);
  uint32_t *r = t->log + t->used;
  r[0] = fn;
  r[1] = counter;
  r[2] = esp;
  for (uint32_t i = 0; i < n; i++) r[3 + i] = buf[1 + i];
  t->used += 3 + n;
}

void ntr_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  (void)uc;
  (void)size;
  area_t *a = user;
  state_t *st = a->st;
  uint32_t addr = (uint32_t)address;
  thread_t *t = ready_thread(st, addr);
  if (t == NULL) return;
  uint32_t counter = (uint32_t)*st->counter;
  const uint32_t *mb = st->mailbox;
  if (addr == a->base) {
    /* exit: ESP is just above the popped return slot for a plain `ret` */
    uint32_t esp = mb != NULL ? mb[1] : reg(st, REG_ESP);
    if (t->depth == 0 || t->frames[t->depth - 1].esp + 4 != esp) {
      st->slow(SLOW_EXIT, addr, esp);
      return;
    }
    const frame_t *f = &t->frames[--t->depth];
    popped(t, t->depth);
    if (f->esp > t->popped_esp) t->popped_esp = f->esp;
    *st->ret_slot = f->ret;
    uint32_t *r = t->log + t->used;
    r[0] = EXIT_TAG;
    r[1] = counter;
    r[2] = mb != NULL ? mb[2] : reg(st, REG_EAX);
    r[3] = f->fn | (f->recording ? 0 : NOT_RECORDING);
    t->used += 4;
    return;
  }
  uint32_t fn = a->first_id + (addr - a->base) / 8 - 1;
  if (!st->attached) {
    /* the mailbox thunk already pointed the return at the exit thunk: the real one goes back */
    if (mb != NULL) uc_mem_write(st->uc, mb[1], &mb[0], 4);
    st->slow(SLOW_DETACHED, addr, fn);
    return;
  }
  if (mb != NULL) record_entry(st, t, addr, fn, counter, mb[1], &mb[0], NULL);
  else record_entry(st, t, addr, fn, counter, reg(st, REG_ESP), NULL, st->write_exit ? &a->base : NULL);
}

/*
 * The log as trace events, written into the writer's column arrays (tracefile/ ThreadBuffer:
 * kind, ts, fn, esp, value, args) at [start, start + room): the same fields its entry() and
 * exit() set. Returns how many were written; what did not fit stays for the next call (the log
 * is empty again once all of it was taken). `clock` (in/out) says how raw counts become
 * timestamps: [live, base, now, host, anchor ns, anchor clock, ns per count, last ts]:
 * ts = live ? base + raw : now; with host, ts = round(anchor ns + max(0, ts - anchor clock) *
 * ns per count), the tracer's monotonic map of the guest clock (it keeps cross-thread order);
 * never below the last ts (written back). counts[0..1] += entries, exits.
 */
enum { EV_ENTRY = 0, EV_EXIT = 1 }; /* tracefile EventKind */
uint32_t ntr_emit(state_t *st, thread_t *t, uint8_t *kind, double *ts, int32_t *fn, uint32_t *esp, uint32_t *value, uint32_t *args,
                  uint32_t start, uint32_t room, double *clock, uint32_t *counts) {
  const uint32_t n = st->arg_count;
  const int live = clock[0] != 0, host = clock[3] != 0;
  const double base = clock[1], now = clock[2], anchor_ns = clock[4], anchor_clock = clock[5], rate = clock[6];
  double last = clock[7];
  uint32_t i = start, end = start + room;
  uint32_t p = t->read;
  while (p < t->used && i < end) {
    const uint32_t *r = t->log + p;
    double at = live ? base + (double)r[1] : now;
    if (host) {
      double d = at - anchor_clock;
      at = floor(anchor_ns + (d > 0 ? d : 0) * rate + 0.5);
    }
    if (at < last) at = last;
    last = at;
    if (r[0] == EXIT_TAG) {
      p += 4;
      if (r[3] & NOT_RECORDING) continue;
      kind[i] = EV_EXIT;
      ts[i] = at;
      fn[i] = (int32_t)r[3];
      value[i] = r[2];
      counts[1]++;
    } else {
      p += 3 + n;
      kind[i] = EV_ENTRY;
      ts[i] = at;
      fn[i] = (int32_t)r[0];
      esp[i] = r[2];
      for (uint32_t a = 0; a < n; a++) args[i * n + a] = r[3 + a];
      counts[0]++;
    }
    i++;
  }
  clock[7] = last;
  if (p >= t->used) t->used = p = 0;
  t->read = p;
  return i - start;
}

/*
 * A probe: a hook on the first instruction of a function that could not be patched. ESP is
 * the entry ESP ([esp] = return address); the return address becomes the module's exit thunk
 * (always stored here: no continuation runs). Same log record as a patched entry.
 */
typedef struct {
  state_t *st;
  uint32_t exit_va;
  uint32_t fn;
} probe_t;

probe_t *ntr_probe(state_t *st, uint32_t exit_va, uint32_t fn) {
  probe_t *p = calloc(1, sizeof *p);
  p->st = st;
  p->exit_va = exit_va;
  p->fn = fn;
  return p;
}

/*
 * The engine's block clock (runtime/engine/native/ntrace_clock.c) from its counter on: the
 * counter includes the whole block that is running, charged when it started. Entry and exit
 * hooks run in the tracer's own blocks, which are charged nothing, so the counter is their
 * time; a probe runs at a function's first instruction inside the program's own block, which
 * has not run yet when the block starts there. The layout: ntrace_clock.h.
 */

void ntr_set_block_clock(state_t *st, uint32_t on) { st->block_clock = on; }

void ntr_probe_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  (void)uc;
  (void)size;
  probe_t *p = user;
  state_t *st = p->st;
  uint32_t addr = (uint32_t)address;
  if (!st->attached) return; /* detached: the function runs untraced */
  thread_t *t = ready_thread(st, addr);
  if (t == NULL) return;
  uint32_t counter = (uint32_t)*st->counter;
  if (st->block_clock) {
    const ntrace_clock_view *c = (const ntrace_clock_view *)st->counter;
    /* entered by a call or jump, the block starts at the function: none of it has run. (Entered
       by falling into it from code before it, the block started earlier and the time is that
       block's start: early by the instructions before the function, a case compilers do not
       produce for functions they emit separately.) */
    counter -= c->last_charge;
  }
  record_entry(st, t, addr, p->fn, counter, reg(st, REG_ESP), NULL, &p->exit_va);
}

void *ntr_probe_hook_fn(void) { return (void *)ntr_probe_hook; }

/* The hook callback's address, for uc_hook_add. */
void *ntr_hook_fn(void) { return (void *)ntr_hook; }
