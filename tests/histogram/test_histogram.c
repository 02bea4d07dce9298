/*
 * pcpu_histogram(3) and kvm_histogram_fetch(3): which bucket a value lands in, the bounds
 * and flags refused, names shared or refused, fetch, zero and free, and the same counts
 * read by another process through kvm.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <pcpu/histogram.h>
#include <pcpu/kvm.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "arch/mode.h"
#include "domain/domtest.h"
#include "histogram/histread.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(histogram, .init = setup, .fini = domtest_cleanup);

static const uint64_t b3[] = {10, 20, 30};

/* What the bucket must be: the first bound v is not above, else +Inf. */
static unsigned int reference_bucket(const uint64_t *bounds, size_t n, uint64_t v)
{
	unsigned int i = 0;

	while (i < n && v > bounds[i])
		i++;
	return i;
}

Test(histogram, value_lands_in_first_bucket_whose_bound_it_does_not_exceed)
{
	static const uint64_t v[] = {0, 10, 11, 20, 21, 30, 31, UINT64_MAX};
	static const uint64_t want[] = {2, 2, 2, 2};
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_le", b3, 3, NULL, M_WAITOK);
	uint64_t got[4], sum;

	cr_assert_not_null(h);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		pcpu_histogram_observe(h, v[i]);
	cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
	cr_assert_arr_eq(got, want, sizeof(want));
	cr_assert_eq(sum, 0 + 10 + 11 + 20 + 21 + 30 + 31 + UINT64_MAX, "modulo 2^64");
}

/* Every count of bounds, values on, around and between them: the branch-free search
 * agrees with the plain definition. */
Test(histogram, bucket_search_agrees_with_linear_scan_for_every_bound_count)
{
	uint64_t bounds[PCPU_HISTOGRAM_BOUNDS_MAX];

	for (size_t n = 0; n <= PCPU_HISTOGRAM_BOUNDS_MAX; n++) {
		char name[32];
		pcpu_histogram_t h;

		for (size_t i = 0; i < n; i++)
			bounds[i] = 100 * (i + 1) + (i == n - 1 ? UINT64_MAX - 100 * (n + 1) : 0);
		snprintf(name, sizeof(name), "h_search_%zu", n);
		h = pcpu_histogram_alloc_named(name, bounds, n, NULL, M_WAITOK);
		cr_assert_not_null(h, "%zu bounds: errno %d", n, errno);
		for (uint64_t v = 0; v <= 100 * (n + 1); v++)
			cr_assert_eq(pcpu_histogram_bucket(h, v), reference_bucket(bounds, n, v),
				     "%zu bounds, v %lu", n, (unsigned long)v);
		for (uint64_t v = UINT64_MAX - 2; v != 0; v++)
			cr_assert_eq(pcpu_histogram_bucket(h, v), reference_bucket(bounds, n, v));
		pcpu_histogram_free(h);
	}
}

/* Bounds one to an octave, several to one (which take its classes), several to one class
 * (which take the binary search), at the tops and bottoms of octaves and classes, 0 and
 * the greatest values. */
static const uint64_t edge_sets[][PCPU_HISTOGRAM_BOUNDS_MAX] = {
	{1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64},
	{5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	 UINT64_C(1) << 62, UINT64_C(6) << 61, UINT64_MAX - 1},
	{15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025},
	{0, 3, 7, 15, 16, 64, 255, 256, 4096, UINT64_C(1) << 40, (UINT64_C(1) << 41) - 1},
	{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200},
	{UINT64_C(1) << 63, (UINT64_C(9) << 60), (UINT64_C(9) << 60) + 1, UINT64_MAX - 1},
};
static const size_t edge_n[] = {20, 14, 12, 11, 12, 4};

enum { EDGES = 4 + 2 * 7 + 3 * PCPU_HISTOGRAM_BOUNDS_MAX }; /* edge_values() at most */

/* The values on and beside octave k's edges, its classes' (an eighth of an octave of 8
 * values or more) and each bound's: *n of them. */
static void edge_values(const uint64_t *bounds, size_t nb, unsigned int k, uint64_t *v, size_t *n)
{
	uint64_t lo = k == 0 ? 0 : UINT64_C(1) << k;
	uint64_t top = k == 63 ? UINT64_MAX : (UINT64_C(2) << k) - 1;

	*n = 0;
	for (uint64_t d = 0; d < 2; d++) {
		v[(*n)++] = lo + d;
		v[(*n)++] = top - d;
	}
	for (uint64_t j = 1; k >= 3 && j < 8; j++) {
		v[(*n)++] = lo + (j << (k - 3)) - 1;
		v[(*n)++] = lo + (j << (k - 3));
	}
	for (size_t i = 0; i < nb; i++)
		if (bounds[i] >= lo && bounds[i] <= top)
			for (uint64_t d = 0; d < 3; d++)
				if (bounds[i] - 1 + d >= lo && bounds[i] - 1 + d <= top)
					v[(*n)++] = bounds[i] - 1 + d;
}

/* A histogram of edge set s, named prefix_s. */
static pcpu_histogram_t edge_histogram(const char *prefix, size_t s)
{
	pcpu_histogram_t h;
	char name[32];

	snprintf(name, sizeof(name), "%s_%zu", prefix, s);
	h = pcpu_histogram_alloc_named(name, edge_sets[s], edge_n[s], NULL, M_WAITOK);
	cr_assert_not_null(h, "set %zu: errno %d", s, errno);
	return h;
}

/* A crowded octave k's classes each have a cell unless they hold two bounds or more. */
static void class_tables_agree(pcpu_histogram_t h, size_t s, unsigned int k)
{
	for (uint64_t j = 0; j < 8; j++) {
		uint64_t lo = (UINT64_C(1) << k) + (j << (k - 3));
		uint64_t top = lo + (UINT64_C(1) << (k - 3)) - 1;
		unsigned int inside = 0;

		for (size_t i = 0; i < edge_n[s]; i++)
			inside += edge_sets[s][i] >= lo && edge_sets[s][i] <= top;
		cr_assert_eq(h->ph_class_cell[h->ph_octave_bound[k] + j] == NULL, inside > 1,
			     "set %zu, octave %u, class %u holds %u bounds", s, k, (unsigned int)j,
			     inside);
	}
}

Test(histogram, bucket_search_agrees_with_linear_scan_at_octave_edges)
{
	uint64_t v[EDGES];
	size_t nv;

	for (size_t s = 0; s < sizeof(edge_n) / sizeof(edge_n[0]); s++) {
		pcpu_histogram_t h = edge_histogram("h_edges", s);

		for (unsigned int k = 0; k < 64; k++) {
			uint64_t lo = k == 0 ? 0 : UINT64_C(1) << k;
			uint64_t top = k == 63 ? UINT64_MAX : (UINT64_C(2) << k) - 1;
			unsigned int inside = 0;

			for (size_t i = 0; i < edge_n[s]; i++)
				inside += edge_sets[s][i] >= lo && edge_sets[s][i] <= top;
			cr_assert_eq(h->ph_octave_cell[k] == NULL, inside > 1,
				     "set %zu, octave %u holds %u bounds", s, k, inside);
			if (inside > 1 && k >= 3)
				class_tables_agree(h, s, k);
			edge_values(edge_sets[s], edge_n[s], k, v, &nv);
			for (size_t i = 0; i < nv; i++)
				cr_assert_eq(pcpu_histogram_bucket(h, v[i]),
					     reference_bucket(edge_sets[s], edge_n[s], v[i]),
					     "set %zu, v %lu", s, (unsigned long)v[i]);
		}
		pcpu_histogram_free(h);
	}
}

/* The inline observe (the octave's or the class's cell and cmov, or the out-of-line search
 * in a crowded class) counts every edge value in the bucket the definition gives, and
 * sums them. */
Test(histogram, observe_counts_octave_edge_values_in_their_buckets)
{
	uint64_t v[EDGES], want[PCPU_HISTOGRAM_BOUNDS_MAX + 1], got[PCPU_HISTOGRAM_BOUNDS_MAX + 1],
		sum, want_sum;
	size_t nv;

	for (size_t s = 0; s < sizeof(edge_n) / sizeof(edge_n[0]); s++) {
		pcpu_histogram_t h = edge_histogram("h_obs_edges", s);

		memset(want, 0, sizeof(want));
		want_sum = 0;
		for (unsigned int k = 0; k < 64; k++) {
			edge_values(edge_sets[s], edge_n[s], k, v, &nv);
			for (size_t i = 0; i < nv; i++) {
				pcpu_histogram_observe(h, v[i]);
				want[reference_bucket(edge_sets[s], edge_n[s], v[i])]++;
				want_sum += v[i];
			}
		}
		cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
		cr_assert_arr_eq(got, want, (edge_n[s] + 1) * sizeof(uint64_t), "set %zu", s);
		cr_assert_eq(sum, want_sum, "set %zu", s);
		pcpu_histogram_free(h);
	}
}

/* With the count-and-sum section, observe writes the cell's count and sum words and never
 * their adjustments, which only the atomic path writes: the words as the format lays them
 * out. */
Test(histogram, observe_in_rseq_mode_adds_count_and_sum_and_leaves_the_adjustments)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_count_sum", b3, 3, NULL, M_WAITOK);
	uint64_t w[4] = {0};

	cr_assert_not_null(h);
	if (!PCPU_PERCPU_COUNT_SUM || strncmp(pcpu_percpu_mode(), "rseq", 4) != 0)
		cr_skip_test("mode %s, count-and-sum section %d", pcpu_percpu_mode(),
			     PCPU_PERCPU_COUNT_SUM);
	for (int i = 0; i < 1000; i++)
		pcpu_histogram_observe(h, 25);
	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++)
		for (int k = 0; k < 4; k++)
			w[k] += ((const uint64_t *)((const char *)(h->ph_cells + 4 * 2) +
						    (size_t)cpu * zpcpu_stride()))[k];
	cr_assert_eq(w[0], 1000, "count");
	cr_assert_eq(w[1], 25000, "sum");
	cr_assert_eq(w[2], 0, "count's adjustment");
	cr_assert_eq(w[3], 0, "sum's adjustment");
}

Test(histogram, no_bounds_counts_everything_in_inf)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_none", NULL, 0, NULL, M_WAITOK);
	uint64_t got[1], sum;

	cr_assert_not_null(h);
	pcpu_histogram_observe(h, 0);
	pcpu_histogram_observe(h, 7);
	cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
	cr_assert_eq(got[0], 2u);
	cr_assert_eq(sum, 7u);
}

static void refused(const char *name, const uint64_t *bounds, size_t n, const struct pcpu_metric *m,
		    int flags)
{
	errno = 0;
	cr_assert_null(pcpu_histogram_alloc_named(name, bounds, n, m, flags));
	cr_assert_eq(errno, EINVAL, "%s: errno %d", name, errno);
}

Test(histogram, bad_bounds_are_refused_with_einval)
{
	static const uint64_t down[] = {10, 5}, same[] = {10, 10, 20};
	uint64_t many[PCPU_HISTOGRAM_BOUNDS_MAX + 1];

	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		many[i] = i + 1;
	refused("h_down", down, 2, NULL, M_WAITOK);
	refused("h_same", same, 3, NULL, M_WAITOK);
	refused("h_many", many, PCPU_HISTOGRAM_BOUNDS_MAX + 1, NULL, M_WAITOK);
	refused("h_null", NULL, 2, NULL, M_WAITOK);
	cr_assert_not_null(pcpu_histogram_alloc_named("h_max", many, PCPU_HISTOGRAM_BOUNDS_MAX,
						      NULL, M_WAITOK));
}

Test(histogram, bad_flags_names_and_types_are_refused_with_einval)
{
	struct pcpu_metric counter = {.pm_type = PCPU_METRIC_COUNTER};
	struct pcpu_metric bad_unit = {.pm_unit = "milli seconds"};
	char longname[PCPU_DOM_SYM_NAME_MAX + 1];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	refused("h_flags0", b3, 3, NULL, 0);
	refused("h_flags2", b3, 3, NULL, M_NOWAIT | M_WAITOK);
	refused(NULL, b3, 3, NULL, M_WAITOK);
	refused("", b3, 3, NULL, M_WAITOK);
	refused(longname, b3, 3, NULL, M_WAITOK);
	refused("h_counter", b3, 3, &counter, M_WAITOK);
	refused("h_unit", b3, 3, &bad_unit, M_WAITOK);
}

/* A second alloc of the name (another process attaching, a restart) shares the cells;
 * other bounds, even as many, are another histogram, and a counter's name is taken. */
Test(histogram, same_name_shares_cells_and_other_bounds_are_eexist)
{
	static const uint64_t other[] = {10, 20, 31};
	pcpu_histogram_t a = pcpu_histogram_alloc_named("h_shared", b3, 3, NULL, M_WAITOK);
	pcpu_histogram_t b = pcpu_histogram_alloc_named("h_shared", b3, 3, NULL, M_WAITOK);
	uint64_t got[4], sum;

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	pcpu_histogram_observe(a, 15);
	pcpu_histogram_observe(b, 25);
	cr_assert_eq(pcpu_histogram_fetch(a, got, &sum), 0);
	cr_assert_eq(got[1] + got[2], 2u);
	cr_assert_eq(sum, 40u);
	errno = 0;
	cr_assert_null(pcpu_histogram_alloc_named("h_shared", other, 3, NULL, M_WAITOK));
	cr_assert_eq(errno, EEXIST);
	cr_assert_null(pcpu_histogram_alloc_named("h_shared", b3, 2, NULL, M_WAITOK));
	cr_assert_eq(errno, EEXIST);
	cr_assert_not_null(counter_u64_alloc_named("h_taken", M_WAITOK));
	cr_assert_null(pcpu_histogram_alloc_named("h_taken", b3, 3, NULL, M_WAITOK));
	cr_assert_eq(errno, EEXIST);
}

Test(histogram, zero_clears_buckets_and_sum_and_counting_goes_on)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_zero", b3, 3, NULL, M_WAITOK);
	uint64_t got[4], sum;

	for (int i = 0; i < 1000; i++)
		pcpu_histogram_observe(h, (uint64_t)i % 40);
	pcpu_histogram_zero(h);
	cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
	cr_assert_eq(got[0] + got[1] + got[2] + got[3] + sum, 0u);
	(pcpu_histogram_observe)(h, 35); /* the function, not the macro */
	cr_assert_eq(pcpu_histogram_fetch(h, got, NULL), 0);
	cr_assert_eq(got[3], 1u);
}

Test(histogram, fetch_of_null_is_einval)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_null_fetch", b3, 3, NULL, M_WAITOK);
	uint64_t got[4];

	errno = 0;
	cr_assert_eq(pcpu_histogram_fetch(NULL, got, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(pcpu_histogram_fetch(h, NULL, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	pcpu_histogram_free(NULL);
	pcpu_histogram_zero(NULL);
}

/* Another process sees the type, bounds and description, and the exact counts. */
Test(histogram, another_process_reads_bounds_buckets_and_sum_through_kvm)
{
	struct pcpu_metric m = {.pm_help = "Request latency", .pm_unit = "microseconds"};
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_kvm", b3, 3, &m, M_WAITOK);
	struct histread r;
	struct histread_result res;

	cr_assert_not_null(h);
	for (uint64_t v = 0; v < 100; v++)
		pcpu_histogram_observe(h, v);
	cr_assert_eq(histread_start(&r, pcpu_domain_path(), "h_kvm"), 0);
	cr_assert_eq(histread_finish(&r, &res), 0);
	cr_assert(res.ok, "%s", res.err);
	cr_assert_eq(res.type, N_HISTOGRAM);
	cr_assert_eq(res.meta.km_type, KVM_METRIC_HISTOGRAM);
	cr_assert_eq(res.meta.km_nbounds, 3);
	cr_assert_arr_eq(res.meta.km_bounds, b3, sizeof(b3));
	cr_assert_str_eq(res.meta.km_help, "Request latency");
	cr_assert_str_eq(res.meta.km_unit, "microseconds");
	cr_assert_eq(res.buckets[0], 11u);
	cr_assert_eq(res.buckets[1], 10u);
	cr_assert_eq(res.buckets[2], 10u);
	cr_assert_eq(res.buckets[3], 69u);
	cr_assert_eq(res.sum, 4950u);
}

/* The checks of kvm_histogram_fetch that protect the caller's buffer. */
Test(histogram, kvm_fetch_refuses_other_kinds_and_a_wrong_size)
{
	char err[_POSIX2_LINE_MAX];
	kvm_t *kd;
	struct kvm_sym ks = {.ks_type = N_HISTOGRAM};
	uint64_t got[4], sum;

	cr_assert_not_null(pcpu_histogram_alloc_named("h_checks", b3, 3, NULL, M_WAITOK));
	cr_assert_not_null(counter_u64_alloc_named("c_checks", M_WAITOK));
	kd = kvm_openfiles(NULL, pcpu_domain_path(), NULL, O_RDONLY, err);
	cr_assert_not_null(kd, "%s", err);
	strcpy(ks.ks_name, "h_checks");
	struct nlist nl[] = {{.n_name = "h_checks"}, {.n_name = "c_checks"}, {.n_name = NULL}};
	cr_assert_eq(kvm_nlist(kd, nl), 0);
	cr_assert_eq(nl[0].n_type, N_HISTOGRAM);
	ks.ks_addr = nl[0].n_value;
	ks.ks_size = 4 * 32; /* 3 bounds: 4 cells of 32 bytes */
	cr_assert_eq(kvm_histogram_fetch(kd, &ks, got, &sum), 0, "%s", kvm_geterr(kd));
	ks.ks_size = 5 * 32;
	errno = 0;
	cr_assert_eq(kvm_histogram_fetch(kd, &ks, got, &sum), -1);
	cr_assert_eq(errno, EINVAL);
	ks.ks_size = 4 * 32;
	ks.ks_addr += 4;
	cr_assert_eq(kvm_histogram_fetch(kd, &ks, got, &sum), -1);
	cr_assert_eq(errno, EINVAL);
	strcpy(ks.ks_name, "c_checks");
	ks.ks_type = N_COUNTER;
	ks.ks_addr = nl[1].n_value;
	cr_assert_eq(kvm_histogram_fetch(kd, &ks, got, &sum), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(kvm_histogram_fetch(kd, NULL, got, &sum), -1);
	cr_assert_eq(kvm_histogram_fetch(NULL, &ks, got, &sum), -1);
	kvm_close(kd);
}

Test(histogram, freed_histogram_is_gone_for_readers)
{
	pcpu_histogram_t h = pcpu_histogram_alloc_named("h_freed", b3, 3, NULL, M_WAITOK);
	char err[_POSIX2_LINE_MAX];
	struct nlist nl[] = {{.n_name = "h_freed"}, {.n_name = NULL}};
	kvm_t *kd;

	cr_assert_not_null(h);
	pcpu_histogram_free(h);
	kd = kvm_openfiles(NULL, pcpu_domain_path(), NULL, O_RDONLY, err);
	cr_assert_not_null(kd, "%s", err);
	cr_assert_eq(kvm_nlist(kd, nl), 1);
	cr_assert_eq(nl[0].n_type, N_UNDF);
	kvm_close(kd);
	cr_assert_not_null(pcpu_histogram_alloc_named("h_freed", b3, 2, NULL, M_WAITOK),
			   "the name is free again");
}
