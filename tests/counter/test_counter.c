/* counter(3): allocation flags, exact sums, zeroing, freeing, and the add mode in use. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/kvm.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "arch/mode.h"
#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(counter, .init = setup, .fini = domtest_cleanup);

Test(counter, alloc_needs_exactly_one_of_nowait_and_waitok)
{
	cr_assert_null(counter_u64_alloc(0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(counter_u64_alloc(M_NOWAIT | M_WAITOK));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(counter_u64_alloc(M_WAITOK | 0x8000));
	cr_assert_eq(errno, EINVAL);
	cr_assert_not_null(counter_u64_alloc(M_NOWAIT));
	cr_assert_not_null(counter_u64_alloc(M_WAITOK | M_ZERO));
}

Test(counter, new_counter_reads_zero)
{
	cr_assert_eq(counter_u64_fetch(counter_u64_alloc(M_WAITOK)), 0u);
}

Test(counter, adds_and_subtractions_sum_exactly)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	for (int i = 0; i < 100000; i++)
		counter_u64_add(c, 3);
	counter_u64_add(c, -1000);
	cr_assert_eq(counter_u64_fetch(c), 299000u);
	counter_u64_add(c, -299001);
	cr_assert_eq(counter_u64_fetch(c), UINT64_MAX, "wraps modulo 2^64 like the kernel's");
}

/* Constants, which the x86_64 add takes as immediates (add $-1, addb $0xff), wrap modulo
 * the width as the same values in registers do; the ones too wide for an immediate
 * (INT64_MIN, 0x80000000) still go through a register. */
DPCPU_DEFINE_STATIC(uint8_t, const8);
DPCPU_DEFINE_STATIC(uint16_t, const16);
DPCPU_DEFINE_STATIC(uint32_t, const32);
DPCPU_DEFINE_STATIC(uint64_t, const64);

Test(counter, constant_adds_of_every_width_wrap_as_their_type)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	uint64_t s8 = 0, s16 = 0, s32 = 0, s64 = 0;

	for (int i = 0; i < 1000; i++) {
		DPCPU_ADD(const8, 255);
		DPCPU_ADD(const8, 3);
		DPCPU_ADD(const16, 65535);
		DPCPU_ADD(const16, 300);
		DPCPU_ADD(const32, 0xffffffffu);
		DPCPU_ADD(const32, 70000);
		DPCPU_ADD(const64, -1);
		DPCPU_ADD(const64, 5);
		counter_u64_add(c, -1);
		counter_u64_add(c, 0x7fffffff);
		counter_u64_add(c, -0x7fffffff - 1);
		counter_u64_add(c, INT64_MIN);
		counter_u64_add(c, 0x80000000);
	}
	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++) {
		s8 += DPCPU_ID_GET(cpu, const8);
		s16 += DPCPU_ID_GET(cpu, const16);
		s32 += DPCPU_ID_GET(cpu, const32);
		s64 += DPCPU_ID_GET(cpu, const64);
	}
	cr_assert_eq(s8 % 256, 1000u * 2 % 256);
	cr_assert_eq(s16 % 65536, 1000u * 299 % 65536);
	cr_assert_eq(s32 % 4294967296u, 1000u * 69999 % 4294967296u);
	cr_assert_eq(s64, 4000u);
	cr_assert_eq(counter_u64_fetch(c), (uint64_t)1000 * ((uint64_t)INT64_MIN + 0x80000000u - 2),
		     "modulo 2^64");
}

/* A set that could not be placed (cpu0 NULL): DPCPU_ADD's section leaves before it stores
 * (the NULL test is in the section's text) and the add goes atomically to the template. */
static uint8_t unplaced8 = 1;
static uint16_t unplaced16 = 2;
static uint32_t unplaced32 = 3;
static uint64_t unplaced64 = 4;
static void *unplaced_cpu0;
static const struct pcpu_dpcpu_desc unplaced[] = {
	{"unplaced8", &unplaced8, 1, PCPU_DPCPU_F_INTEGER, &unplaced_cpu0},
	{"unplaced16", &unplaced16, 2, PCPU_DPCPU_F_INTEGER, &unplaced_cpu0},
	{"unplaced32", &unplaced32, 4, PCPU_DPCPU_F_INTEGER, &unplaced_cpu0},
	{"unplaced64", &unplaced64, 8, PCPU_DPCPU_F_INTEGER, &unplaced_cpu0},
};

Test(counter, dpcpu_add_to_a_set_not_placed_adds_to_its_template)
{
	for (int i = 0; i < 100; i++)
		for (size_t w = 0; w < 4; w++)
			pcpu_dpcpu_add_inline(&unplaced[w], unplaced[w].size, 3);
	cr_assert_eq(unplaced8, (uint8_t)(1 + 300));
	cr_assert_eq(unplaced16, 2 + 300);
	cr_assert_eq(unplaced32, 3 + 300);
	cr_assert_eq(unplaced64, 4 + 300);
	cr_assert_null(unplaced_cpu0);
}

Test(counter, zero_then_add_counts_from_zero)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	counter_u64_add(c, 12345);
	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++)
		*(uint64_t *)zpcpu_get_cpu(c, cpu) += cpu + 1; /* every CPU's slot in use */
	counter_u64_zero(c);
	cr_assert_eq(counter_u64_fetch(c), 0u);
	counter_u64_add(c, 5);
	cr_assert_eq(counter_u64_fetch(c), 5u);
}

Test(counter, freed_counter_is_reused_zeroed)
{
	counter_u64_t a = counter_u64_alloc(M_WAITOK), b;

	counter_u64_add(a, 77);
	counter_u64_free(a);
	b = counter_u64_alloc(M_WAITOK);
	cr_assert_eq(b, a);
	cr_assert_eq(counter_u64_fetch(b), 0u);
	counter_u64_free(NULL);
}

Test(counter, free_refuses_what_is_not_a_counter)
{
	void *z = zpcpu_alloc(8);

	errno = 0;
	counter_u64_free(z);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(zpcpu_alloc(8) == z, 0, "still allocated");
}

Test(counter, add_mode_is_the_one_the_environment_asks_for)
{
	const char *want = getenv("PCPU_EXPECT_MODE");

	counter_u64_alloc(M_WAITOK);
	if (want == NULL)
		cr_skip_test("no PCPU_EXPECT_MODE");
	cr_assert_str_eq(pcpu_percpu_mode(), want);
}

Test(counter, add_through_the_function_counts_like_the_macro)
{
	void (*add)(counter_u64_t, int64_t) = counter_u64_add;
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	for (int i = 0; i < 1000; i++) {
		add(c, 2);
		counter_u64_add(c, 1);
		(counter_u64_add)(c, 1);
	}
	cr_assert_eq(counter_u64_fetch(c), 4000u);
}

/* Zero sets the adjustments; a reader in another process (a forked child, through its
 * own kvm handle) totals value minus adjustment as counter_u64_fetch() does. */
Test(counter, a_reader_in_another_process_agrees_after_zero)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	const char *path;
	int status;
	pid_t pid;

	counter_u64_add(c, 100);
	counter_u64_zero(c);
	counter_u64_add(c, 7);
	counter_u64_add(c, -2);
	cr_assert_eq(counter_u64_fetch(c), 5u);
	path = pcpu_domain_path();
	cr_assert_not_null(path);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char err[_POSIX2_LINE_MAX];
		kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, err);

		_exit(kd != NULL && kvm_counter_u64_fetch(kd, (unsigned long)c) == 5 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the reader's total is 5");
}

/* Rounds of adds and zeroes total exactly; CMake runs this in every add mode, so both the
 * plain value adds and the adjustment's atomic ones are covered. */
Test(counter, zero_then_adds_total_exactly_whatever_the_mode)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 1000; i++)
			counter_u64_add(c, 3);
		cr_assert_eq(counter_u64_fetch(c), 3000u);
		counter_u64_zero(c);
		cr_assert_eq(counter_u64_fetch(c), 0u);
	}
}
