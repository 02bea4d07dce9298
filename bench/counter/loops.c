/*
 * The loops themselves (see loops.h). Each round-robin loop makes RR adds per iteration to
 * RR different targets; each "amid" loop (amid.h) makes one add per step of ALU work that
 * the add does not touch, so the add's net cost is the loop's time minus work_only's.
 * The bare add, in both forms of its commit, is the baseline (bare_rseq.h); librseq's
 * per-CPU add is a second one when the build found librseq (BENCH_LIBRSEQ).
 */
#include <pcpu/pcpu.h>
#ifdef BENCH_LIBRSEQ
#include <rseq/mempool.h>
#include <rseq/rseq.h>
#endif

#include "amid.h"
#include "bare_rseq.h"
#include "harness.h"
#include "loops.h"

#ifdef LOOP_PIC
#define LOOP(name) name##_pic
#else
#define LOOP(name) name
#endif

DPCPU_DEFINE_STATIC(uint64_t, tight);
#define RR_VARS(X) \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define DEFINE_RR(i) DPCPU_DEFINE_STATIC(uint64_t, rr##i);
RR_VARS(DEFINE_RR)

#define AMID(name, add) BENCH_AMID(LOOP(name), add)

void LOOP(counter_tight)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		counter_u64_add(loop_targets.one, 1);
}

void LOOP(counter_rr)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		for (int k = 0; k < RR; k++)
			counter_u64_add(loop_targets.rr[k], 1);
}

AMID(counter_amid, counter_u64_add(loop_targets.one, 1));

void LOOP(dpcpu_tight)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		DPCPU_ADD(tight, 1);
}

void LOOP(dpcpu_rr)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
#define ADD_RR(i) DPCPU_ADD(rr##i, 1);
		RR_VARS(ADD_RR)
	}
}

AMID(dpcpu_amid, DPCPU_ADD(tight, 1));

/* The bare add's loops, of each form of its commit (bare_rseq.h). */
#define BARE_LOOPS(form, add)                                                  \
	void LOOP(bare##form##_tight)(void *arg, uint64_t n)                   \
	{                                                                      \
		(void)arg;                                                     \
		for (uint64_t i = 0; i < n; i++)                               \
			add(loop_targets.slots, loop_targets.stride, 1);       \
	}                                                                      \
	void LOOP(bare##form##_rr)(void *arg, uint64_t n)                      \
	{                                                                      \
		(void)arg;                                                     \
		for (uint64_t i = 0; i < n; i++)                               \
			for (int k = 0; k < RR; k++)                           \
				add(loop_targets.slots + k * sizeof(uint64_t), \
				    loop_targets.stride, 1);                   \
	}                                                                      \
	AMID(bare##form##_amid, add(loop_targets.slots, loop_targets.stride, 1))

BARE_LOOPS(, bench_bare_rseq_add);
BARE_LOOPS(_whole, bench_bare_rseq_add_whole);

AMID(work_only, BENCH_AMID_NOTHING);

#ifdef BENCH_LIBRSEQ
/* librseq's per-CPU counter add, as its own tests make it: the CPU read before the
 * section, which compares it (cpu_id mode) and retries on a change or an abort. */
static inline void librseq_add(intptr_t *item)
{
	int cpu, ret;

	do {
		cpu = rseq_cpu_start();
		ret = rseq_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					       rseq_percpu_ptr(item, cpu), 1, cpu);
	} while (rseq_unlikely(ret));
}

void LOOP(librseq_tight)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		librseq_add(loop_targets.librseq[0]);
}

void LOOP(librseq_rr)(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		for (int k = 0; k < RR; k++)
			librseq_add(loop_targets.librseq[k]);
}

AMID(librseq_amid, librseq_add(loop_targets.librseq[0]));
#endif
