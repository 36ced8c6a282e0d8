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
 * Build: runtime/engine/native/build.sh (links libunicorn.so.2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct {
  uint32_t start, size, charge, used;
} entry_t;

typedef struct {
  uc_engine *uc;
  ntrace_clock_view v; /* at offset 8: read by the tracer's hooks and the engine */
  charge_cb_t charge_cb;
  /* sorted, disjoint [begin, end) host ranges whose blocks the callback charges */
  uint32_t *host;
  uint32_t host_count;
  /* open-addressing cache of block charges */
  entry_t *cache;
  uint32_t cache_mask, cache_used;
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

/* Drops cached charges of blocks that overlap [begin, end): their code changed. */
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

/* The host ranges (pairs begin, end; sorted, disjoint) whose blocks the callback charges. */
void ntc_set_host_ranges(clock_state *c, const uint32_t *pairs, uint32_t count) {
  free(c->host);
  c->host = malloc(sizeof(uint32_t) * 2 * (count ? count : 1));
  memcpy(c->host, pairs, sizeof(uint32_t) * 2 * count);
  c->host_count = count;
  /* charges of blocks in the old and new ranges may have changed */
  memset(c->cache, 0, sizeof(entry_t) * (c->cache_mask + 1));
  c->cache_used = 0;
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

static uint32_t charge_of(clock_state *c, uint32_t start, uint32_t size) {
  uint32_t s = slot_of(start) & c->cache_mask;
  for (;;) {
    entry_t *e = &c->cache[s];
    if (!e->used) break;
    if (e->start == start && e->size == size) return e->charge;
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
  c->cache[s] = (entry_t){ start, size, charge, 1 };
  c->cache_used++;
  return charge;
}

void ntc_block_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  clock_state *c = user;
  if (c->v.counter >= c->v.budget) {
    /* stopping here runs none of this block (unicorn checks the stop request at its start) */
    c->v.stopped_on_budget = 1;
    c->v.stop_at = (uint32_t)address;
    uc_emu_stop(uc);
    return;
  }
  uint32_t start = (uint32_t)address;
  uint32_t charge = charge_of(c, start, size);
  c->v.counter += charge;
  c->v.last_start = start;
  c->v.last_size = size;
  c->v.last_charge = charge;
}

void *ntc_block_hook_fn(void) { return (void *)ntc_block_hook; }

