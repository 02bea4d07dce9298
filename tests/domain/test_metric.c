/*
 * pcpu_metric(3): descriptions made by a service (tests/domain/metric_prog) read by this
 * process through kvm_sym_meta, live and from a snapshot; and the writer's rules, with
 * this process as the writer: every bad field refused with EINVAL, a family kept to one
 * type, unit and help with distinct label sets (EEXIST), a description replaced, and a
 * freed symbol's description never passed to the next symbol in its slot.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/kvm.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/symfind.h"
#include "common/testutil.h"
#include "domain/domain.h"
#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(metric, .init = setup, .fini = domtest_cleanup);

/* The metadata of name in the domain at path, read through kvm, and its total. */
static void read_meta(kvm_t *kd, const char *name, struct kvm_symmeta *m, uint64_t *total)
{
	struct test_sym_found w = {.name = name};

	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &w), 1, "%s is listed", name);
	cr_assert_eq(kvm_sym_meta(kd, &w.ks, m), 0, "%s: %s", name, kvm_geterr(kd));
	if (total != NULL)
		cr_assert_eq(kvm_sym_total(kd, &w.ks, 1, total), 0, "%s", kvm_geterr(kd));
}

static kvm_t *open_domain(const char *path)
{
	char errbuf[_POSIX2_LINE_MAX];
	kvm_t *kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);

	cr_assert_not_null(kd, "%s: %s", path, errbuf);
	return kd;
}

/* What metric_prog described and counted, as any reader sees it. */
static void expect_service(kvm_t *kd)
{
	static const char *const codes[] = {"2xx", "4xx", "5xx"};
	struct kvm_symmeta m;
	uint64_t total;
	char name[16];

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "req_%s", codes[i]);
		read_meta(kd, name, &m, &total);
		cr_expect_eq(total, (uint64_t)(5 + 2 * i));
		cr_expect_eq(m.km_type, KVM_METRIC_COUNTER);
		cr_expect_str_eq(m.km_family, "http_requests");
		cr_expect_str_eq(m.km_help, "HTTP requests answered");
		cr_assert_eq(m.km_nlabels, 2);
		cr_expect_str_eq(m.km_labels[0].kl_name, "code");
		cr_expect_str_eq(m.km_labels[0].kl_value, codes[i]);
		cr_expect_str_eq(m.km_labels[1].kl_name, "method");
		cr_expect_str_eq(m.km_labels[1].kl_value, "GET");
	}
	read_meta(kd, "bytes_out", &m, &total);
	cr_expect_eq(total, 1234u);
	cr_expect_eq(m.km_type, KVM_METRIC_COUNTER);
	cr_expect_str_eq(m.km_unit, "bytes");
	cr_expect_str_eq(m.km_help, "Bytes sent");
	cr_expect_str_empty(m.km_family);
	read_meta(kd, "queue_depth", &m, &total);
	cr_expect_eq(total, 3u);
	cr_expect_eq(m.km_type, KVM_METRIC_GAUGE);
	cr_expect_str_empty(m.km_unit);
	cr_expect_str_eq(m.km_help, "Requests waiting, per CPU");
}

Test(metric, service_descriptions_are_read_from_another_process)
{
	int io[2];
	pid_t pid = domtest_spawn_prog("metric_prog", io, NULL);
	char *path, *snap;
	kvm_t *kd, *ks;

	cr_assert_gt(pid, 0);
	path = strdup(domtest_read_line(io[0]));
	cr_assert_eq(path[0], '/', "metric_prog: %s", path);
	kd = open_domain(path);
	expect_service(kd);
	snap = test_path(test_tmpdir(), "snap");
	cr_assert_eq(kvm_snapshot(kd, snap), 0, "%s", kvm_geterr(kd));
	kvm_close(kd);
	close(io[1]);
	cr_expect_eq(test_wait_exit(pid), 0);
	ks = open_domain(snap);
	expect_service(ks);
	kvm_close(ks);
	unlink(snap);
	free(snap);
	free(path);
}

/* The restarted service finds its counters and describes them again, which is no
 * conflict with the descriptions they have: the totals continue. */
Test(metric, a_restarted_service_continues_its_described_counters)
{
	struct kvm_symmeta m;
	uint64_t total;
	kvm_t *kd;
	char *path = NULL;

	setenv("PCPU_KEEP", "1", 1);
	for (int run = 0; run < 2; run++) {
		int io[2];
		pid_t pid = domtest_spawn_prog("metric_prog", io, NULL);

		cr_assert_gt(pid, 0);
		free(path);
		path = strdup(domtest_read_line(io[0]));
		close(io[1]);
		cr_assert_eq(test_wait_exit(pid), 0, "run %d", run);
	}
	unsetenv("PCPU_KEEP");
	kd = open_domain(path);
	read_meta(kd, "req_5xx", &m, &total);
	cr_expect_eq(total, 2 * 9u);
	cr_expect_str_eq(m.km_labels[0].kl_value, "5xx");
	read_meta(kd, "bytes_out", &m, &total);
	cr_expect_eq(total, 2 * 1234u);
	cr_expect_str_eq(m.km_help, "Bytes sent");
	kvm_close(kd);
	free(path);
}

/* This process is the writer: the metadata of name in its own domain. */
static void own_meta(const char *name, struct kvm_symmeta *m)
{
	kvm_t *kd = open_domain(pcpu_domain_path());

	read_meta(kd, name, m, NULL);
	kvm_close(kd);
}

static int describe(const char *symbol, struct pcpu_metric m)
{
	errno = 0;
	return pcpu_metric_describe(symbol, &m);
}

Test(metric, describing_an_unknown_symbol_fails_with_enoent)
{
	cr_assert_not_null(counter_u64_alloc_named("known", M_WAITOK));
	cr_expect_eq(describe("unknown", (struct pcpu_metric){.pm_type = PCPU_METRIC_GAUGE}), -1);
	cr_expect_eq(errno, ENOENT);
	errno = 0;
	cr_expect_eq(pcpu_metric_describe(NULL, &(struct pcpu_metric){0}), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(pcpu_metric_describe("known", NULL), -1);
	cr_expect_eq(errno, EINVAL);
}

#define LONG_HELP                                                                            \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901" \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901" \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901" \
	"0123456789"

Test(metric, bad_fields_are_refused_with_einval)
{
	static const char *const odd[] = {"code", NULL};
	static const char *const five[] = {"a", "1", "b", "2", "c", "3", "d", "4", "e", "5", NULL};
	static const char *const reserved[] = {"__name__", "x", NULL};
	static const char *const twice[] = {"code", "1", "code", "2", NULL};
	static const char *const dash[] = {"status-code", "1", NULL};
	static const char *const ctrl[] = {"code", "2\nxx", NULL};
	static const char *const longval[] = {
		"code", "0123456789012345678901234567890123456789012345678901234567890123", NULL};
	const struct pcpu_metric bad[] = {
		{.pm_type = 4},
		{.pm_type = -1},
		{.pm_type = PCPU_METRIC_HISTOGRAM},
		{.pm_scale = -2},
		{.pm_scale = NAN},
		{.pm_scale = INFINITY},
		{.pm_family = ""},
		{.pm_family = "http-requests"},
		{.pm_family = "1st"},
		{.pm_unit = "kilo bytes"},
		{.pm_unit = "0123456789012345678901234567890123"},
		{.pm_help = LONG_HELP},
		{.pm_help = "two\nlines"},
		{.pm_help = "bad \xff byte"},
		{.pm_labels = odd},
		{.pm_labels = five},
		{.pm_labels = reserved},
		{.pm_labels = twice},
		{.pm_labels = dash},
		{.pm_labels = ctrl},
		{.pm_labels = longval},
	};
	struct kvm_symmeta m;

	cr_assert_not_null(counter_u64_alloc_named("c", M_WAITOK));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(describe("c", bad[i]), -1, "case %zu accepted", i);
		cr_expect_eq(errno, EINVAL, "case %zu: errno %d", i, errno);
		errno = 0;
		cr_expect_null(counter_u64_alloc_metric("d", &bad[i], M_WAITOK), "case %zu", i);
		cr_expect_eq(errno, EINVAL, "case %zu: errno %d", i, errno);
	}
	own_meta("c", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_COUNTER, "nothing was written");
	cr_expect_str_empty(m.km_help);
}

Test(metric, a_description_is_replaced_by_the_next)
{
	static const char *const labels[] = {"shard", "7", NULL};
	struct kvm_symmeta m;

	cr_assert_not_null(zpcpu_alloc_named("ops", 8));
	own_meta("ops", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_UNTYPED, "a zpcpu object is untyped by default");
	cr_assert_eq(describe("ops", (struct pcpu_metric){.pm_type = PCPU_METRIC_COUNTER,
							  .pm_help = "Operations",
							  .pm_unit = "ops",
							  .pm_labels = labels,
							  .pm_scale = 0.5}),
		     0, "%s", strerror(errno));
	own_meta("ops", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_COUNTER);
	cr_expect_str_eq(m.km_help, "Operations");
	cr_expect_str_eq(m.km_unit, "ops");
	cr_expect_eq(m.km_nlabels, 1);
	cr_expect_str_eq(m.km_labels[0].kl_value, "7");
	cr_expect(m.km_scale == 0.5);
	cr_assert_eq(describe("ops", (struct pcpu_metric){.pm_type = PCPU_METRIC_GAUGE}), 0);
	own_meta("ops", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_GAUGE);
	cr_expect_str_empty(m.km_help);
	cr_expect_eq(m.km_nlabels, 0);
	cr_expect(m.km_scale == 1.0);
}

static struct pcpu_metric member(int type, const char *help, const char *const *labels)
{
	return (struct pcpu_metric){.pm_type = type,
				    .pm_help = help,
				    .pm_unit = "bytes",
				    .pm_family = "io",
				    .pm_labels = labels};
}

Test(metric, a_family_keeps_one_type_unit_and_help_and_distinct_labels)
{
	static const char *const rd[] = {"dir", "read", NULL};
	static const char *const wr[] = {"dir", "write", NULL};
	struct pcpu_metric other_unit = member(PCPU_METRIC_COUNTER, "I/O", wr);
	struct pcpu_metric reads = member(PCPU_METRIC_COUNTER, "I/O", rd);

	cr_assert_not_null(counter_u64_alloc_metric("io_read", &reads, M_WAITOK));
	cr_assert_not_null(counter_u64_alloc_named("io_write", M_WAITOK));
	cr_expect_eq(describe("io_write", member(PCPU_METRIC_GAUGE, "I/O", wr)), -1);
	cr_expect_eq(errno, EEXIST, "another type");
	cr_expect_eq(describe("io_write", member(PCPU_METRIC_COUNTER, "I/O bytes", wr)), -1);
	cr_expect_eq(errno, EEXIST, "another help");
	other_unit.pm_unit = "blocks";
	cr_expect_eq(describe("io_write", other_unit), -1);
	cr_expect_eq(errno, EEXIST, "another unit");
	cr_expect_eq(describe("io_write", member(PCPU_METRIC_COUNTER, "I/O", rd)), -1);
	cr_expect_eq(errno, EEXIST, "the same labels");
	cr_expect_null(counter_u64_alloc_metric("io_other", &reads, M_WAITOK));
	cr_expect_eq(errno, EEXIST, "a new counter with the same labels");
	cr_expect_eq(describe("io_write", member(PCPU_METRIC_COUNTER, "I/O", wr)), 0);
	cr_expect_eq(describe("io_read", member(PCPU_METRIC_COUNTER, "I/O", rd)), 0,
		     "a member's own description is no conflict");
}

/* Without pm_family a symbol is its own family, which another may join by that name. */
Test(metric, a_symbols_name_is_its_family_without_pm_family)
{
	cr_assert_not_null(counter_u64_alloc_named("hits", M_WAITOK));
	cr_assert_not_null(counter_u64_alloc_named("hits_b", M_WAITOK));
	cr_assert_eq(describe("hits", (struct pcpu_metric){.pm_type = PCPU_METRIC_COUNTER}), 0);
	cr_expect_eq(describe("hits_b", (struct pcpu_metric){.pm_type = PCPU_METRIC_GAUGE,
							     .pm_family = "hits"}),
		     -1);
	cr_expect_eq(errno, EEXIST);
}

Test(metric, a_named_counter_found_again_is_described_again)
{
	counter_u64_t a = counter_u64_alloc_metric(
		"jobs", &(struct pcpu_metric){.pm_type = PCPU_METRIC_COUNTER, .pm_help = "Jobs"},
		M_WAITOK);
	counter_u64_t b = counter_u64_alloc_metric(
		"jobs",
		&(struct pcpu_metric){.pm_type = PCPU_METRIC_COUNTER, .pm_help = "Jobs run"},
		M_WAITOK);
	struct kvm_symmeta m;

	cr_assert_not_null(a);
	cr_expect_eq(a, b, "the same counter");
	own_meta("jobs", &m);
	cr_expect_str_eq(m.km_help, "Jobs run");
	errno = 0;
	cr_expect_null(counter_u64_alloc_metric("jobs", NULL, M_NOWAIT | M_WAITOK));
	cr_expect_eq(errno, EINVAL);
}

/* The slot of a freed counter is reused by the next symbol, which must not inherit the
 * freed one's description. */
Test(metric, a_freed_counters_description_does_not_pass_to_its_slot)
{
	counter_u64_t a = counter_u64_alloc_metric(
		"old", &(struct pcpu_metric){.pm_type = PCPU_METRIC_GAUGE, .pm_help = "Old"},
		M_WAITOK);
	struct test_sym_found was = {.name = "old"}, now = {.name = "new"};
	struct kvm_symmeta m;
	kvm_t *kd;

	cr_assert_not_null(a);
	kd = open_domain(pcpu_domain_path());
	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &was), 1);
	counter_u64_free(a);
	cr_assert_not_null(counter_u64_alloc_named("new", M_WAITOK));
	cr_assert_eq(kvm_walk_syms(kd, test_sym_pick, &now), 1);
	cr_assert_eq(now.ks.ks_index, was.ks.ks_index, "the slot is reused");
	read_meta(kd, "new", &m, NULL);
	cr_expect_eq(m.km_type, KVM_METRIC_COUNTER);
	cr_expect_str_empty(m.km_help);
	kvm_close(kd);
	counter_u64_free(counter_u64_alloc_named("new", M_WAITOK));
	cr_assert_not_null(counter_u64_alloc_metric(
		"newer", &(struct pcpu_metric){.pm_type = PCPU_METRIC_GAUGE, .pm_help = "Newer"},
		M_WAITOK));
	own_meta("newer", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_GAUGE);
	cr_expect_str_eq(m.km_help, "Newer");
}

/* The internal calls pcpu_histogram_alloc_named is made of (src/domain/domain.h). */
static void *histogram(const char *name, const uint64_t *bounds, size_t n)
{
	struct pcpu_metric m = {.pm_type = PCPU_METRIC_HISTOGRAM, .pm_unit = "seconds"};
	struct pcpu_dom_meta v;
	size_t size = (n + 1) * PCPU_HIST_CELL_SIZE;

	cr_assert_eq(pcpu_meta_build(&v, &m, bounds, n), 0);
	errno = 0;
	return pcpu_named_alloc(name, size, size, PCPU_SYM_HISTOGRAM, 0, &v);
}

Test(metric, a_histogram_keeps_its_type_and_bounds)
{
	static const uint64_t bounds[] = {10, 100, 1000}, other[] = {10, 100, 999};
	void *h = histogram("lat", bounds, 3);
	struct kvm_symmeta m;

	cr_assert_not_null(h, "%s", strerror(errno));
	cr_expect_eq(histogram("lat", bounds, 3), h, "found again with its bounds");
	cr_expect_null(histogram("lat", other, 3));
	cr_expect_eq(errno, EEXIST, "other bounds");
	cr_expect_eq(describe("lat", (struct pcpu_metric){.pm_type = PCPU_METRIC_COUNTER}), -1);
	cr_expect_eq(errno, EINVAL, "a histogram stays one");
	cr_assert_eq(describe("lat", (struct pcpu_metric){.pm_type = PCPU_METRIC_HISTOGRAM,
							  .pm_help = "Latency"}),
		     0, "%s", strerror(errno));
	own_meta("lat", &m);
	cr_expect_eq(m.km_type, KVM_METRIC_HISTOGRAM);
	cr_expect_str_eq(m.km_help, "Latency");
	cr_assert_eq(m.km_nbounds, 3, "the bounds are kept");
	cr_expect_eq(m.km_bounds[2], 1000u);
	cr_assert_not_null(counter_u64_alloc_named("plain", M_WAITOK));
	cr_expect_eq(describe("plain", (struct pcpu_metric){.pm_type = PCPU_METRIC_HISTOGRAM}), -1);
	cr_expect_eq(errno, EINVAL, "nothing else becomes one");
}
