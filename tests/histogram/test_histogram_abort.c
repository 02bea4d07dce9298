/*
 * The count-and-sum section aborted at a chosen instruction (<pcpu/arch/x86_64.h>): a
 * hardware watchpoint (perf_event_open(2), PERF_TYPE_BREAKPOINT with sigtrap) traps just
 * after the instruction that touches the watched word, inside the section, and the
 * SIGTRAP it sends makes the kernel abort the section on the way back to user space.
 * Watching the count's word aborts every observe between its two adds; watching the
 * thread's rseq cpu_id aborts it before the first. Each must still count once and sum
 * once. Needs rseq mode, the section, and a kernel that lets this process set
 * watchpoints (perf_event_paranoid, or root): else skipped, saying which.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include <pcpu/histogram.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "arch/mode.h"
#include "common/watch.h"
#include "domain/domtest.h"

enum { OBSERVES = 1000, VALUE = 50, BUCKET = 1 };

static const uint64_t bounds[] = {10, 100, 1000};
static volatile sig_atomic_t traps;
static int watch_fd = -1;

/* One trap per arming: the handler disarms the watchpoint, so that the retry the abort
 * leads to runs untrapped and ends. */
static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	traps++;
	test_watch_arm(watch_fd, 0);
}

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(histogram_abort, .init = setup, .fini = domtest_cleanup);

/* Pins this thread to the CPU it runs on and returns that CPU. */
static unsigned int pin(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	cr_assert_geq(cpu, 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "errno %d", errno);
	return (unsigned int)cpu;
}

/* A disarmed watchpoint on the len bytes at addr, of type type, that sends SIGTRAP. */
static void watch(const void *addr, unsigned int type, unsigned int len)
{
	watch_fd = test_watch(addr, type, len, on_trap);
	if (watch_fd < 0)
		cr_skip_test("no watchpoint for this process: %s", strerror(errno));
}

/* OBSERVES observes of VALUE, the watchpoint armed before each; then every one must
 * have trapped, and bucket BUCKET hold exactly their count and sum, all of it on this
 * CPU's copy of the cell, with its adjustments untouched (no fallback ran). */
static void observe_trapped(pcpu_histogram_t h, unsigned int cpu)
{
	const uint64_t *mine =
		(const uint64_t *)((const char *)(h->ph_cells + PCPU_HISTOGRAM_CELL * BUCKET) +
				   (size_t)cpu * zpcpu_stride());
	uint64_t got[4], sum;

	for (int i = 0; i < OBSERVES; i++) {
		cr_assert_eq(test_watch_arm(watch_fd, 1), 0);
		pcpu_histogram_observe(h, VALUE);
	}
	test_watch_arm(watch_fd, 0);
	cr_assert_eq(traps, OBSERVES, "every observe trapped inside its section");
	cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
	cr_assert_eq(got[BUCKET], OBSERVES, "count");
	cr_assert_eq(sum, (uint64_t)OBSERVES * VALUE, "sum");
	cr_assert_eq(mine[0], OBSERVES, "this CPU's count");
	cr_assert_eq(mine[1], (uint64_t)OBSERVES * VALUE, "this CPU's sum");
	cr_assert_eq(mine[2], 0, "count's adjustment");
	cr_assert_eq(mine[3], 0, "sum's adjustment");
}

static pcpu_histogram_t section_histogram(const char *name)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named(name, bounds, 3, NULL, M_WAITOK);

	cr_assert_not_null(h);
	if (!PCPU_PERCPU_COUNT_SUM || strncmp(pcpu_percpu_mode(), "rseq", 4) != 0)
		cr_skip_test("mode %s, count-and-sum section %d", pcpu_percpu_mode(),
			     PCPU_PERCPU_COUNT_SUM);
	return h;
}

Test(histogram_abort, an_abort_after_the_count_adds_the_sum_alone)
{
	pcpu_histogram_t h = section_histogram("abort_after_count");
	unsigned int cpu = pin();
	const char *count = (const char *)(h->ph_cells + PCPU_HISTOGRAM_CELL * BUCKET) +
			    (size_t)cpu * zpcpu_stride();

	watch(count, HW_BREAKPOINT_W, HW_BREAKPOINT_LEN_8);
	observe_trapped(h, cpu);
}

Test(histogram_abort, an_abort_before_the_count_adds_nothing_and_is_retried)
{
	pcpu_histogram_t h = section_histogram("abort_before_count");
	unsigned int cpu = pin();
	const char *cpu_id = (const char *)__builtin_thread_pointer() +
			     pcpu_percpu_biased_off(pcpu_percpu_hot) + PCPU_ARCH_AREA_BIAS + 4;

	watch(cpu_id, HW_BREAKPOINT_RW, HW_BREAKPOINT_LEN_4);
	observe_trapped(h, cpu);
}
