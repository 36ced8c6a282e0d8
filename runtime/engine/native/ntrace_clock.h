/*
 * The part of the block clock's state that others read (runtime/engine/native/ntrace_clock.c):
 * the tracer's native hooks (runtime/tracing/native/ntrace_hooks.c) through the counter address
 * the engine hands out, and the engine's JS side through a DataView at the same offsets (8..44
 * of the state, after the engine pointer; runtime/engine/unicorn.ts executedInstructions).
 */
#ifndef NTRACE_CLOCK_H
#define NTRACE_CLOCK_H
#include <stdint.h>

typedef struct {
  /* charged instructions since the slice began (the engine resets it at each start) */
  uint64_t counter;
  /* the slice stops at the first block start with counter >= budget */
  uint64_t budget;
  /* the last block charged: a slice left inside it ran only part of it */
  uint32_t last_start, last_size, last_charge;
  /* 1 when the slice stopped on its budget, 2 for the host's attention (ntc_take_attention);
     either way counter is exact */
  uint32_t stopped_on_budget;
  /* where it stopped: the block that did not run. unicorn's EIP after a stop requested from a
     block hook can be that of an earlier block chained into this one; the engine sets EIP to
     this address. */
  uint32_t stop_at;
} ntrace_clock_view;

#endif
