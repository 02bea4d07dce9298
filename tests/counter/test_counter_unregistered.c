/*
 * A thread that cannot register rseq (another rseq area is already registered in it)
 * adds atomically, to the slot of the CPU sched_getcpu() named, while registered threads
 * add to their CPU's slot with plain instructions. sched_getcpu is wrapped so that the
 * unregistered thread always names the CPU it has just "left": the moment a migration
 * would open, made to last. Run in rseq-own mode (GLIBC_TUNABLES=glibc.pthread.rseq=0).
 * Kept within the TSan criterion shim's subset.
 */
#include <criterion/criterion.h>
#include <linux/rseq.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

#include "arch/mode.h"
#include "domain/domtest.h"

enum { ADDS = 200000 };

static long registered_adds;
static int started, done;

static __thread int lie; /* 1: sched_getcpu() names CPU 1 whatever the truth */

int __real_sched_getcpu(void);
int __wrap_sched_getcpu(void)
{
	return lie ? 1 : __real_sched_getcpu();
}

static counter_u64_t c;
static int use_dpcpu;	/* 1: the threads add to unreg_hits instead of c */
static int adds = ADDS; /* of the unregistered thread */
DPCPU_DEFINE_STATIC(uint64_t, unreg_hits);

static void add_one(void)
{
	if (use_dpcpu)
		DPCPU_ADD(unreg_hits, 1);
	else
		counter_u64_add(c, 1);
}

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(unregistered, .init = setup, .fini = domtest_cleanup);

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *registered_on_cpu1(void *arg)
{
	(void)arg;
	pin_self(1);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		add_one();
		/* A pinned unregistered thread waits for this CPU: let it in now and then. */
		if (use_dpcpu && ++registered_adds % 16 == 0)
			sched_yield();
		else if (!use_dpcpu)
			registered_adds++;
	}
	return NULL;
}

/* Another library's rseq area: the kernel then refuses the library's own (EBUSY). */
static __thread struct rseq foreign __attribute__((aligned(32)));

static void *unregistered_on_cpu0(void *arg)
{
	int *ok = arg;

	pin_self(0);
	*ok = syscall(SYS_rseq, &foreign, sizeof(foreign), 0, 0x0badf00d) == 0;
	lie = 1;
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		sched_yield();
	for (int i = 0; i < adds; i++)
		add_one();
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	syscall(SYS_rseq, &foreign, sizeof(foreign), RSEQ_FLAG_UNREGISTER, 0x0badf00d);
	return NULL;
}

/* Runs both threads to the end; the total they must have made. */
static uint64_t race(void)
{
	pthread_t a, b;
	int ok = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs two CPUs");
	c = counter_u64_alloc(M_WAITOK);
	cr_assert_not_null(c);
	if (strcmp(pcpu_percpu_mode(), "rseq-own") != 0)
		cr_skip_test("only rseq-own mode lets a thread be unregistered");
	cr_assert_eq(pthread_create(&a, NULL, registered_on_cpu1, NULL), 0);
	cr_assert_eq(pthread_create(&b, NULL, unregistered_on_cpu0, &ok), 0);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	cr_assert(ok, "the foreign rseq area was registered");
	return (uint64_t)adds + (uint64_t)registered_adds;
}

/* A counter's atomic adds go to its adjustment word, which no plain add writes. */
Test(unregistered, atomic_adds_of_an_unregistered_thread_are_never_lost)
{
	uint64_t want = race(), v = counter_u64_fetch(c);

	cr_assert_eq(v, want, "%lld adds lost", (long long)(want - v));
}

/* A DPCPU variable has no such word: the unregistered thread adds pinned to the CPU of
 * the copy (the lie makes that CPU 1, where the registered thread runs). Each of its
 * adds waits for CPU 1, so it makes fewer. */
Test(unregistered, dpcpu_adds_of_an_unregistered_thread_are_never_lost)
{
	uint64_t want, v = 0;

	use_dpcpu = 1;
	adds = 20000;
	want = race();
	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++)
		v += DPCPU_ID_GET(cpu, unreg_hits);
	cr_assert_eq(v, want, "%lld adds lost", (long long)(want - v));
}

/* Pinned to each CPU in turn, the thread's DPCPU_PTR is that CPU's copy: taken from
 * cpu_id in a registered thread, from the library's path (cpu_id negative) in one that
 * could not register. */
static void *copies_on_each_cpu(void *arg)
{
	int *wrong = arg;

	for (int cpu = 0; cpu < 2; cpu++) {
		pin_self(cpu);
		*wrong += (uint64_t *)DPCPU_PTR(unreg_hits) != DPCPU_ID_PTR(cpu, unreg_hits);
	}
	return NULL;
}

static void *unregistered_copies_on_each_cpu(void *arg)
{
	int ok = syscall(SYS_rseq, &foreign, sizeof(foreign), 0, 0x0badf00d) == 0;

	copies_on_each_cpu(arg);
	if (ok)
		syscall(SYS_rseq, &foreign, sizeof(foreign), RSEQ_FLAG_UNREGISTER, 0x0badf00d);
	else
		*(int *)arg += 100;
	return NULL;
}

Test(unregistered, dpcpu_ptr_is_the_copy_of_the_cpu_the_thread_runs_on)
{
	int wrong_registered = 0, wrong_unregistered = 0;
	pthread_t t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs two CPUs");
	if (strcmp(pcpu_percpu_mode(), "rseq-own") != 0)
		cr_skip_test("only rseq-own mode lets a thread be unregistered");
	cr_assert_eq(pthread_create(&t, NULL, copies_on_each_cpu, &wrong_registered), 0);
	pthread_join(t, NULL);
	cr_assert_eq(pthread_create(&t, NULL, unregistered_copies_on_each_cpu, &wrong_unregistered),
		     0);
	pthread_join(t, NULL);
	cr_assert_eq(wrong_registered, 0);
	cr_assert_eq(wrong_unregistered, 0, "%d (100: the foreign area was not registered)",
		     wrong_unregistered);
}
