/*
 * The add loops of bench_counter, compiled twice: into the benchmark itself and, -fPIC,
 * into a plugin (a shared object that reaches libpcpu's variables through its GOT, as an
 * nginx module would). LOOP(name) names the copy: name, or name_pic in the plugin.
 */
#ifndef PCPU_BENCH_COUNTER_LOOPS_H
#define PCPU_BENCH_COUNTER_LOOPS_H

#include <pcpu/counter.h>

enum { RR = 16 }; /* counters of the round-robin loops */

/* What the loops add to; set up by bench_counter before any loop runs. */
struct loop_targets {
	counter_u64_t one, rr[RR];
	char *slots; /* a zpcpu allocation for the bare add: RR uint64_t per CPU */
	size_t stride;
};
extern struct loop_targets loop_targets;

#define LOOP_BODIES(sfx)                                   \
	void counter_tight##sfx(void *arg, uint64_t n);    \
	void counter_rr##sfx(void *arg, uint64_t n);       \
	void counter_amid##sfx(void *arg, uint64_t n);     \
	void dpcpu_tight##sfx(void *arg, uint64_t n);      \
	void dpcpu_rr##sfx(void *arg, uint64_t n);         \
	void dpcpu_amid##sfx(void *arg, uint64_t n);       \
	void bare_tight##sfx(void *arg, uint64_t n);       \
	void bare_rr##sfx(void *arg, uint64_t n);          \
	void bare_amid##sfx(void *arg, uint64_t n);        \
	void bare_tight_whole##sfx(void *arg, uint64_t n); \
	void bare_rr_whole##sfx(void *arg, uint64_t n);    \
	void bare_amid_whole##sfx(void *arg, uint64_t n);  \
	void work_only##sfx(void *arg, uint64_t n)

LOOP_BODIES();
LOOP_BODIES(_pic);

#endif
