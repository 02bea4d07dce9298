/*
 * The per-process choice between rseq and atomic adds, rseq registration when glibc did
 * not register, and the adds a critical section cannot make.
 */
#include "arch/percpu.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned int percpu_maxcpu = 1;
static int rseq_on;  /* 1: adds run as rseq critical sections */
static int rseq_own; /* 1: the rseq areas are ours (glibc did not register) */

/* Our own area, used only when glibc did not register: initial-exec TLS, so its offset
 * from the thread pointer is the same in every thread. */
static __thread struct rseq own_area __attribute__((tls_model("initial-exec"), aligned(32))) = {
	.cpu_id = (uint32_t)RSEQ_CPU_ID_UNINITIALIZED};
static __thread int own_tried;
/* Never registered: the area of the sections until the mode is chosen and in atomic
 * mode. Not own_area, which rseq-own mode registers while a stale copy of the word may
 * still pair it with the first stride. */
static __thread struct rseq no_area __attribute__((tls_model("initial-exec"), aligned(32))) = {
	.cpu_id = (uint32_t)RSEQ_CPU_ID_UNINITIALIZED};

static int register_own(void)
{
	own_tried = 1;
	return (int)syscall(SYS_rseq, &own_area, sizeof(own_area), 0, PCPU_RSEQ_SIG);
}

static int setup_done;

/* The word's offset: the area's less the bias the sections add back (<pcpu/percpu_add.h>). */
static ptrdiff_t biased(ptrdiff_t off)
{
	return off - PCPU_ARCH_AREA_BIAS;
}

/* The word in one store, so that no reader mixes an offset and a stride from two of its
 * values; the stride fits 32 bits: the format bounds it to 64 MiB. The stride word before
 * it, and the word with release, so that an x86_64 section that read a live offset reads
 * this stride after it (<pcpu/arch/x86_64.h> gives the reader's side). */
static void publish(ptrdiff_t off, size_t stride)
{
	/* Defined writable in hot.c; const only to the readers. */
	__atomic_store_n((uint64_t *)&pcpu_percpu_stride_word, (uint64_t)stride, __ATOMIC_RELAXED);
	__atomic_store_n((uint64_t *)&pcpu_percpu_hot,
			 (uint64_t)stride << 32 | (uint32_t)biased(off), __ATOMIC_RELEASE);
}

/* The empty asm keeps the offset whole: gcc would otherwise load only the 32 bits that
 * publish() keeps, a form of the initial-exec TLS access that ld cannot relax. */
static ptrdiff_t offset_of(const struct rseq *area)
{
	ptrdiff_t off = (const char *)area - (char *)__builtin_thread_pointer();

	__asm__("" : "+r"(off));
	return off;
}

static int fits(ptrdiff_t off)
{
	return biased(off) == (int32_t)biased(off);
}

/* Until the mode is chosen the sections use no_area, so every add leaves before its
 * store. In a static link a DPCPU constructor of the same priority may have chosen the
 * mode already. */
__attribute__((constructor(101))) static void before_setup(void)
{
	if (!setup_done)
		publish(offset_of(&no_area), 0);
}

/*
 * rseq mode needs: a critical section for this architecture, PCPU_RSEQ not "0", an rseq
 * area (glibc's, or ours when glibc.pthread.rseq=0 left none and the kernel accepts
 * ours), and a maxcpu known to cover every CPU id the kernel reports, since the section
 * indexes by cpu_id unchecked: the possible list was readable (pcpu_maxcpu() then covers
 * its last id), not the fallback count of configured CPUs.
 */
void pcpu_percpu_setup(size_t stride, unsigned int maxcpu)
{
	const char *env = getenv("PCPU_RSEQ");

	ptrdiff_t off = __rseq_size != 0 ? __rseq_offset : offset_of(&own_area);

	setup_done = 1;
	percpu_maxcpu = maxcpu;
	publish(offset_of(&no_area), stride);
	if (!PCPU_ARCH_RSEQ || (env != NULL && strcmp(env, "0") == 0) ||
	    access("/sys/devices/system/cpu/possible", R_OK) != 0 || !fits(off))
		return;
	if (__rseq_size == 0) {
		if (register_own() != 0)
			return;
		rseq_own = 1;
	}
	publish(off, stride);
	rseq_on = 1;
}

const char *pcpu_percpu_mode(void)
{
	return !rseq_on ? "atomic" : rseq_own ? "rseq-own" : "rseq-glibc";
}

unsigned int pcpu_percpu_maxcpu(void)
{
	return percpu_maxcpu;
}

unsigned int pcpu_percpu_cpu(void)
{
	int cpu = pcpu_percpu_cpu_id();

	if (cpu < 0)
		cpu = sched_getcpu();
	return cpu < 0 ? 0 : (unsigned int)cpu % percpu_maxcpu;
}

static int add_once(void *slot0, int64_t v, int width)
{
	switch (width) {
	case 8:
		return pcpu_percpu_add8_once(pcpu_percpu_hot, slot0, (uint8_t)v);
	case 16:
		return pcpu_percpu_add16_once(pcpu_percpu_hot, slot0, (uint16_t)v);
	case 32:
		return pcpu_percpu_add32_once(pcpu_percpu_hot, slot0, (uint32_t)v);
	default:
		return pcpu_percpu_add64_once(pcpu_percpu_hot, slot0, (uint64_t)v);
	}
}

/*
 * A section that leaves with a non-negative cpu_id was aborted: start again. A thread
 * created before we registered our own area (or by a library that bypasses
 * pthread_create) registers on its first add; one the kernel refuses (another rseq area
 * is registered in it) never runs the section.
 */
static int may_retry(void)
{
	return pcpu_percpu_cpu_id() >= 0 ||
	       (rseq_on && rseq_own && !own_tried && register_own() == 0);
}

int pcpu_percpu_add_cs(void *slot0, int64_t v, int width)
{
	for (;;) {
		if (add_once(slot0, v, width))
			return 1;
		if (!may_retry())
			return 0;
	}
}

int pcpu_percpu_add_count_sum_cs(uint64_t *cell, uint64_t v)
{
	for (;;) {
		int made = pcpu_percpu_add_count_sum_once(pcpu_percpu_hot, cell, v);

		if (made != 0 || !PCPU_PERCPU_COUNT_SUM || !may_retry())
			return made;
	}
}

void pcpu_atomic_add(void *slot, int64_t v, int width)
{
	switch (width) {
	case 8:
		__atomic_fetch_add((uint8_t *)slot, (uint8_t)v, __ATOMIC_RELAXED);
		break;
	case 16:
		__atomic_fetch_add((uint16_t *)slot, (uint16_t)v, __ATOMIC_RELAXED);
		break;
	case 32:
		__atomic_fetch_add((uint32_t *)slot, (uint32_t)v, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_fetch_add((uint64_t *)slot, (uint64_t)v, __ATOMIC_RELAXED);
		break;
	}
}

/*
 * In atomic mode every add of the process is atomic, so any CPU's slot will do. In rseq
 * mode a thread without an area must not add to a slot whose CPU runs a section at the
 * same time (a plain read-modify-write there would overwrite the atomic add), so it runs
 * on that CPU while it adds: a section of that CPU is then preempted, not running, and
 * aborts when it resumes. The affinity it had is restored after. When the affinity
 * cannot be set the add is made unpinned (pcpu(3), BUGS).
 */
void pcpu_percpu_add_atomic(void *slot0, int64_t v, int width)
{
	size_t words = (percpu_maxcpu + 63) / 64; /* maxcpu covers the kernel's mask */
	unsigned long old[words], one[words];	  /* at most 8 KiB: maxcpu <= 65536 */
	int cpu = sched_getcpu(), pinned = 0;

	if (rseq_on && cpu >= 0 && sched_getaffinity(0, sizeof(old), (cpu_set_t *)old) == 0) {
		memset(one, 0, sizeof(one));
		one[(unsigned int)cpu / 64] = 1UL << ((unsigned int)cpu % 64);
		pinned = sched_setaffinity(0, sizeof(one), (cpu_set_t *)one) == 0;
	}
	pcpu_atomic_add(pcpu_percpu_slot(slot0, cpu < 0 ? 0 : (unsigned int)cpu % percpu_maxcpu), v,
			width);
	if (pinned)
		sched_setaffinity(0, sizeof(old), (cpu_set_t *)old);
}

void pcpu_percpu_sub_adj(uint64_t *value0, size_t adj, uint64_t v)
{
	__atomic_fetch_sub((uint64_t *)pcpu_percpu_slot(value0, pcpu_percpu_cpu()) + adj, v,
			   __ATOMIC_RELAXED);
}

/* Each word is aligned and loaded whole; the total is exact when no add runs
 * concurrently, else it lies between the totals before and after those adds. */
uint64_t pcpu_percpu_total(const uint64_t *value0, size_t adj)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < percpu_maxcpu; i++) {
		const uint64_t *v = pcpu_percpu_slot((void *)value0, i);

		sum += __atomic_load_n(v, __ATOMIC_RELAXED) -
		       __atomic_load_n(v + adj, __ATOMIC_RELAXED);
	}
	return sum;
}

/*
 * Zeroing CPU i sets its adjustment to the value read, by compare-and-swap: an atomic
 * add that changed the adjustment between the two loads makes the swap fail and the
 * CPU is read again, so no add is lost; a section's add that lands after the value was
 * read counts after the zero, as an add concurrent with it may. Another CPU's value is
 * only read, never written.
 */
void pcpu_percpu_zero(uint64_t *value0, size_t adj)
{
	for (unsigned int i = 0; i < percpu_maxcpu; i++) {
		uint64_t *v = pcpu_percpu_slot(value0, i),
			 a = __atomic_load_n(v + adj, __ATOMIC_RELAXED);

		while (!__atomic_compare_exchange_n(v + adj, &a,
						    __atomic_load_n(v, __ATOMIC_RELAXED), 0,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
}
