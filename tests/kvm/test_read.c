/*
 * kvm_getpcpu(3), kvm_nlist(3) and kvm_read(3) over a domain built by the fixture: exact
 * values, and every bad address refused with the documented sentinel and errno.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "kvm/domfix.h"

#define MAXCPU 64
#define ACTIVE 3

static struct domfix f;
static char *path;
static kvm_t *kd;
static uint64_t hits, counter, zbuf, object, zero, zeroed;

/* hits: DPCPU uint64_t, CPU i holds 100 + i. counter: slots 0, 5, 63 hold 1, 20, 300.
 * zbuf: zpcpu of 16 bytes, CPU i holds bytes i..i+15. object: 24 bytes "hello".
 * zero: a counter never added to. zeroed: a counter with adjustments (values 50 and 7 on
 * CPUs 1 and 2, adjustment 40 on CPU 1, so 17 in all). Counters take 16 bytes per CPU,
 * value then adjustment. Slots 0 and 40 have CP_USER times 5 and 7. */
static void setup(void)
{
	cr_assert_eq(domfix_init(&f, MAXCPU, ACTIVE), 0);
	hits = f.hdr->dpcpu_addr + 8;
	counter = domfix_zalloc(&f, 16);
	zbuf = domfix_zalloc(&f, 16);
	object = domfix_zalloc(&f, 24);
	zero = domfix_zalloc(&f, 16);
	zeroed = domfix_zalloc(&f, 16);
	*(uint64_t *)domfix_at(&f, zeroed, 1) = 50;
	((uint64_t *)domfix_at(&f, zeroed, 1))[1] = 40;
	*(uint64_t *)domfix_at(&f, zeroed, 2) = 7;
	domfix_pcpu(&f, 0)->pc_cp_time[CP_USER] = 5;
	domfix_pcpu(&f, 40)->pc_cp_time[CP_USER] = 7;
	for (uint32_t cpu = 0; cpu < MAXCPU; cpu++) {
		*(uint64_t *)domfix_at(&f, hits, cpu) = 100 + cpu;
		for (int b = 0; b < 16; b++)
			((unsigned char *)domfix_at(&f, zbuf, cpu))[b] = (unsigned char)(cpu + b);
	}
	*(uint64_t *)domfix_at(&f, counter, 0) = 1;
	*(uint64_t *)domfix_at(&f, counter, 5) = 20;
	*(uint64_t *)domfix_at(&f, counter, 63) = 300;
	strcpy(domfix_at(&f, object, 0), "hello");
	domfix_sym(&f, "hits", PCPU_SYM_DPCPU, hits, 8);
	domfix_sym(&f, "gone", PCPU_SYM_FREE, counter, 8);
	domfix_sym(&f, "requests", PCPU_SYM_COUNTER, counter, 8);
	domfix_sym(&f, "zbuf", PCPU_SYM_ZPCPU, zbuf, 16);
	domfix_sym(&f, "config", PCPU_SYM_OBJECT, object, 24);
	domfix_sym(&f, "future", 99, object, 24);
	path = domfix_save(&f);
	cr_assert_not_null(path);
	kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
}

static void teardown(void)
{
	kvm_close(kd);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

TestSuite(read, .init = setup, .fini = teardown);

Test(read, getmaxcpu_is_the_domains_slot_count)
{
	cr_expect_eq(kvm_getmaxcpu(kd), MAXCPU);
}

Test(read, getncpus_counts_present_and_online_cpus)
{
	cr_expect_eq(kvm_getncpus(kd), ACTIVE);
}

Test(read, getpcpu_returns_a_malloced_copy)
{
	struct pcpu *pc = kvm_getpcpu(kd, 2);

	cr_assert(pc != NULL && pc != (void *)-1);
	cr_expect_eq(pc->pc_cpuid, 2u);
	cr_expect_eq(pc->pc_online, 1);
	cr_expect_eq(pc->pc_dynamic, f.hdr->dpcpu_addr + 2 * DOMFIX_PAGE);
	free(pc);
}

Test(read, getpcpu_of_inactive_cpu_returns_null)
{
	errno = 0;
	cr_expect_null(kvm_getpcpu(kd, ACTIVE));
	cr_expect_eq(errno, 0);
}

Test(read, getpcpu_out_of_range_returns_minus_one_einval)
{
	cr_expect_eq(kvm_getpcpu(kd, MAXCPU), (void *)-1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(kvm_getpcpu(kd, -1), (void *)-1);
	cr_expect_not_null(strstr(kvm_geterr(kd), "CPU -1"));
}

Test(read, nlist_returns_count_not_found_and_sets_types)
{
	struct nlist nl[] = {{.n_name = "hits"},   {.n_name = "requests"}, {.n_name = "zbuf"},
			     {.n_name = "config"}, {.n_name = "nosuch"},   {.n_name = "gone"},
			     {.n_name = "future"}, {.n_name = NULL}};

	cr_assert_eq(kvm_nlist(kd, nl), 3);
	cr_expect_eq(nl[0].n_type, N_DPCPU);
	cr_expect_eq(nl[0].n_value, hits);
	cr_expect_eq(nl[1].n_type, N_COUNTER);
	cr_expect_eq(nl[1].n_value, counter);
	cr_expect_eq(nl[2].n_type, N_ZPCPU);
	cr_expect_eq(nl[2].n_value, zbuf);
	cr_expect_eq(nl[3].n_type, N_DATA);
	cr_expect_eq(nl[3].n_value, object);
	for (int i = 4; i < 7; i++) {
		cr_expect_eq(nl[i].n_type, N_UNDF);
		cr_expect_eq(nl[i].n_value, 0);
	}
}

Test(read, nlist_accepts_a_leading_underscore)
{
	struct nlist nl[] = {{.n_name = "_requests"}, {.n_name = ""}};

	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_expect_eq(nl[0].n_value, counter);
}

Test(read, nlist_gives_the_copy_of_the_cpu_chosen_by_dpcpu_setcpu)
{
	struct nlist nl[] = {{.n_name = "hits"}, {.n_name = NULL}};
	uint64_t v = 0;

	for (unsigned int cpu = 0; cpu < MAXCPU; cpu += 7) {
		cr_assert_eq(kvm_dpcpu_setcpu(kd, cpu), 0);
		cr_assert_eq(kvm_nlist(kd, nl), 0);
		cr_expect_eq(nl[0].n_value, hits + cpu * DOMFIX_PAGE);
		cr_assert_eq(kvm_read(kd, nl[0].n_value, &v, sizeof(v)), (ssize_t)sizeof(v));
		cr_expect_eq(v, 100 + cpu);
	}
}

Test(read, dpcpu_setcpu_out_of_range_fails_einval)
{
	cr_expect_eq(kvm_dpcpu_setcpu(kd, MAXCPU), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(read, read_copies_an_object)
{
	char buf[24];

	cr_assert_eq(kvm_read(kd, object, buf, sizeof(buf)), 24);
	cr_expect_str_eq(buf, "hello");
}

Test(read, read_at_unaligned_address_copies_exact_bytes)
{
	char buf[3];

	cr_assert_eq(kvm_read(kd, object + 1, buf, sizeof(buf)), 3);
	cr_expect_eq(memcmp(buf, "ell", 3), 0);
}

Test(read, read_outside_the_domain_fails_efault)
{
	char buf[8];

	cr_expect_eq(kvm_read(kd, DOMFIX_BASE - 8, buf, sizeof(buf)), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_eq(kvm_read(kd, DOMFIX_BASE + f.len - 4, buf, sizeof(buf)), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_eq(kvm_read(kd, ~0ul - 3, buf, sizeof(buf)), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_not_null(strstr(kvm_geterr(kd), "8 bytes at address 0xfffffffffffffffc lie "
						  "outside the domain"),
			   "the message names the address: %s", kvm_geterr(kd));
}

Test(read, read_zpcpu_copies_each_cpus_part)
{
	unsigned char buf[16];

	for (int cpu = 0; cpu < MAXCPU; cpu++) {
		cr_assert_eq(kvm_read_zpcpu(kd, zbuf, buf, sizeof(buf), cpu), 16);
		cr_expect_eq(buf[0], cpu);
		cr_expect_eq(buf[15], cpu + 15);
	}
}

Test(read, read_zpcpu_past_the_stride_fails_efault)
{
	unsigned char buf[DOMFIX_PAGE];

	cr_expect_eq(kvm_read_zpcpu(kd, zbuf, buf, DOMFIX_PAGE, 0), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_not_null(strstr(kvm_geterr(kd), "stride"));
}

Test(read, a_base_checked_for_a_counter_does_not_vouch_for_a_longer_read)
{
	unsigned char buf[DOMFIX_PAGE];

	errno = 0;
	kvm_counter_u64_fetch(kd, zbuf); /* checks zbuf for 8 bytes per CPU */
	cr_assert_eq(errno, 0, "%s", kvm_geterr(kd));
	cr_expect_eq(kvm_read_zpcpu(kd, zbuf, buf, DOMFIX_PAGE, 0), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_eq(kvm_read_zpcpu(kd, zbuf, buf, 16, 1), 16);
	cr_expect_eq(buf[15], 16);
}

Test(read, read_zpcpu_outside_any_chunk_fails_efault)
{
	unsigned char buf[8];

	cr_expect_eq(kvm_read_zpcpu(kd, object + MAXCPU * DOMFIX_PAGE, buf, 8, 0), -1);
	cr_expect_eq(errno, EFAULT);
	cr_expect_eq(kvm_read_zpcpu(kd, DOMFIX_BASE + 8, buf, 8, 0), -1);
	cr_expect_eq(errno, EFAULT);
}

Test(read, read_zpcpu_bad_cpu_fails_einval)
{
	unsigned char buf[8];

	cr_expect_eq(kvm_read_zpcpu(kd, zbuf, buf, 8, MAXCPU), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(read, counter_fetch_sums_every_slot_including_sparse_ones)
{
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, counter), 321);
	cr_expect_eq(errno, 0);
}

Test(read, counter_fetch_subtracts_every_cpus_adjustment)
{
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, zeroed), 17);
	cr_expect_eq(errno, 0);
}

Test(read, counter_fetch_of_zero_counter_returns_zero_without_errno)
{
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, zero), 0);
	cr_expect_eq(errno, 0);
}

Test(read, counter_fetch_error_returns_zero_with_errno_and_message)
{
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, DOMFIX_BASE), 0);
	cr_expect_eq(errno, EFAULT);
	cr_expect_not_null(strstr(kvm_geterr(kd), "not in any"));
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, counter + 1), 0);
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(kvm_geterr(kd), "aligned"));
}

Test(read, getcptime_sums_the_times_of_every_slot)
{
	long t[CPUSTATES];

	cr_assert_eq(kvm_getcptime(kd, t), 0);
	cr_expect_eq(t[CP_USER], 12);
	cr_expect_eq(t[CP_IDLE], 0);
}
