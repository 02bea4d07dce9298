/*
 * The add loops of bench_counter, compiled twice: into the benchmark itself and, -fPIC,
 * into a plugin (a shared object that reaches libpcpu's variables through its GOT, as an
 * nginx module would). LOOP(name) names the copy: name, or name_pic in the plugin.
 */
#ifndef PCPU_BENCH_COUNTER_LOOPS_H
#define PCPU_BENCH_COUNTER_LOOPS_H

#include <stdint.h>

#include <pcpu/counter.h>

enum { RR = 16 }; /* counters of the round-robin loops */

/* What the loops add to; set up by bench_counter before any loop runs. */
struct loop_targets {
	counter_u64_t one, rr[RR];
	char *slots; /* a zpcpu allocation for the bare add: RR uint64_t per CPU */
	size_t stride;
	intptr_t *librseq[RR]; /* BENCH_LIBRSEQ: items of a librseq per-CPU pool */
};
extern struct loop_targets loop_targets;

/* The tight, round-robin and amid loops of one kind of add. */
#define LOOP_KIND(kind, sfx)                           \
	void kind##_tight##sfx(void *arg, uint64_t n); \
	void kind##_rr##sfx(void *arg, uint64_t n);    \
	void kind##_amid##sfx(void *arg, uint64_t n);

#ifdef BENCH_LIBRSEQ
#define LOOP_LIBRSEQ(sfx) LOOP_KIND(librseq, sfx)
#else
#define LOOP_LIBRSEQ(sfx)
#endif

#define LOOP_BODIES(sfx)           \
	LOOP_KIND(counter, sfx)    \
	LOOP_KIND(dpcpu, sfx)      \
	LOOP_KIND(bare, sfx)       \
	LOOP_KIND(bare_whole, sfx) \
	LOOP_LIBRSEQ(sfx)          \
	void work_only##sfx(void *arg, uint64_t n)

LOOP_BODIES();
LOOP_BODIES(_pic);

#endif
