/* pcpu export: the exposition passes promtool and the OpenMetrics parser and holds the
 * writer's values, labelled by the domain's identity. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "kvm/domfix.h"
#include "tools/expocheck.h"
#include "tools/toolrun.h"
#include "tools/writer_values.h"

#define REQUESTS_OF_WRITER "pcpu_test_requests_total{domain=\"pcpu_test_writer\"}"

Test(tools_export, exposition_passes_promtool_and_holds_the_totals)
{
	struct writer w;
	struct run r;
	char prefix[512];

	writer_start(&w, test_tmpdir(), 3, 100000, NULL);
	run_pcpu(&r, "export", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_not_null(strstr(r.out, "# TYPE pcpu_test_requests_total counter\n"));
	cr_assert_not_null(strstr(r.out, "# TYPE pcpu_test_balance untyped\n"),
			   "a variable without metadata is untyped: %s", r.out);
	/* The writer's domain is a path: it has no name, so its program identifies it. */
	cr_assert_eq(strtoull(series(r.out, REQUESTS_OF_WRITER), NULL, 10), w.requests);
	cr_assert_eq(
		strtoll(series(r.out, "pcpu_test_balance{domain=\"pcpu_test_writer\"}"), NULL, 10),
		w.balance);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_hits{"), NULL, 10), w.hits);
	cr_assert_eq(
		strtoull(series(r.out, "pcpu_domain_up{domain=\"pcpu_test_writer\"}"), NULL, 10),
		1);
	snprintf(prefix, sizeof(prefix),
		 "pcpu_domain_info{domain=\"pcpu_test_writer\",path=\"%s\",pid=\"%d\","
		 "program=\"pcpu_test_writer\",state=\"alive\"}",
		 w.domain, (int)w.pid);
	cr_assert_str_eq(series(r.out, prefix), "1", "%s not in:\n%s", prefix, r.out);
	cr_assert_eq(count_lines(r.out, "pcpu_domain_info{"), 1);
	cr_assert_eq(strstr(strstr(r.out, "pid=\"") + 1, "pid=\""), NULL,
		     "only the info metric names the pid: %s", r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_export, openmetrics_passes_the_parser_with_types_created_and_eof)
{
	struct writer w;
	struct run r;
	char *families;

	writer_start(&w, test_tmpdir(), 2, 4321, NULL);
	run_pcpu(&r, "export", "--openmetrics", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(openmetrics_check(r.out, &families), 0);
	cr_expect_not_null(strstr(families, "pcpu_test_requests counter - 2\n"),
			   "a counter has _total and _created: %s", families);
	cr_expect_not_null(strstr(families, "pcpu_test_balance unknown - 1\n"), "%s", families);
	cr_expect_not_null(strstr(families, "pcpu_domain info - 1\n"), "%s", families);
	cr_expect_not_null(strstr(families, "pcpu_domain_up gauge - 1\n"), "%s", families);
	cr_assert_str_eq(r.out + strlen(r.out) - strlen("\n# EOF\n"), "\n# EOF\n");
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_requests_total{"), NULL, 10), w.requests);
	cr_assert_not_null(series(r.out, "pcpu_test_requests_created{"));
	cr_assert_gt(strtod(series(r.out, "pcpu_test_requests_created{"), NULL), 1.6e9,
		     "the domain's creation, seconds since the epoch");
	free(families);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_export, per_cpu_series_are_labelled_by_cpu_and_sum_to_the_total)
{
	struct writer w;
	struct run r;
	uint64_t sum = 0;

	writer_start(&w, test_tmpdir(), 4, 50000, NULL);
	run_pcpu(&r, "export", "-P", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_eq(count_lines(r.out, "pcpu_test_requests_total{"), (int)w.ncpus);
	for (unsigned int c = 0; c < w.ncpus; c++) {
		char label[32];
		const char *line = r.out;

		snprintf(label, sizeof(label), ",cpu=\"%u\"} ", c);
		while ((line = strstr(line, "pcpu_test_requests_total{")) &&
		       !strstr(line, label)) /* this CPU's line, not just any later one */
			line++;
		cr_assert_not_null(line, "no series for cpu %u", c);
		sum += strtoull(strstr(line, label) + strlen(label), NULL, 10);
	}
	cr_assert_eq(sum, w.requests);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_export, label_values_and_help_are_escaped)
{
	const char *dir = test_tmpdir(); /* a new one at each call */
	char *path = test_path(dir, "a \"b\" \\ c"), expect[512];
	struct writer_opts o = {.domain = path};
	struct writer w;
	struct run r;

	writer_start_opts(&w, &o, 2, 10);
	run_pcpu(&r, "export", path, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	/* test.weird "quoted" \ name: the family takes '_' for each character outside the
	 * name alphabet, HELP escapes '\' (and '"' only in OpenMetrics), label values both. */
	cr_assert_not_null(strstr(r.out, "# HELP pcpu_test_weird__quoted____name_total pcpu "
					 "counter(9) test.weird \"quoted\" \\\\ name\n"),
			   "%s", r.out);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_weird__quoted____name_total{"), NULL, 10),
		     w.weird);
	snprintf(expect, sizeof(expect), ",path=\"%s/a \\\"b\\\" \\\\ c\",", dir);
	cr_assert_not_null(strstr(r.out, expect), "%s not in %s", expect, r.out);
	run_free(&r);
	run_pcpu(&r, "export", "--openmetrics", path, NULL);
	cr_assert_eq(openmetrics_check(r.out, NULL), 0);
	cr_assert_not_null(strstr(r.out, "# HELP pcpu_test_weird__quoted____name pcpu "
					 "counter(9) test.weird \\\"quoted\\\" \\\\ name\n"),
			   "%s", r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	free(path);
}

/* The writer's latency histogram (writer_values.h) after requests requests. */
static void check_latency(const char *out, uint64_t requests)
{
	static const char *const le[] = {"1e-07", "1e-06", "1e-05", "+Inf"};
	const uint64_t want[] = {requests / 4, requests * 3 / 4, requests, requests};
	char prefix[128];

	cr_assert_not_null(strstr(out, "# TYPE test_latency_seconds histogram\n"), "%s", out);
	for (int i = 0; i < 4; i++) {
		snprintf(prefix, sizeof(prefix),
			 "test_latency_seconds_bucket{domain=\"pcpu_test_writer\",le=\"%s\"}",
			 le[i]);
		cr_assert_not_null(series(out, prefix), "%s not in %s", prefix, out);
		cr_assert_eq(strtoull(series(out, prefix), NULL, 10), want[i], "%s", prefix);
	}
	cr_assert_eq(strtoull(series(out, "test_latency_seconds_count{"), NULL, 10), requests);
	cr_assert_float_eq(strtod(series(out, "test_latency_seconds_sum{"), NULL),
			   (double)(WRITER_LATENCY_SUM_NS_PER_REQUEST * requests) / 1e9, 1e-15);
}

/* The writer's described metrics (PCPU_TEST_METRICS): a family of two counters told
 * apart by a label, a counter in nanoseconds exported in seconds, a gauge, a histogram
 * of nanoseconds exported in seconds. */
Test(tools_export, the_programs_types_units_help_families_and_scales_are_exported)
{
	struct writer_opts o = {.dir = test_tmpdir(), .extra_env = "PCPU_TEST_METRICS=1"};
	struct writer w;
	struct run r;
	char *families, busy[32];

	writer_start_opts(&w, &o, 2, 1000);
	run_pcpu(&r, "export", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_not_null(strstr(r.out, "# HELP test_http_requests_total HTTP requests by status "
					 "class\n# TYPE test_http_requests_total counter\n"),
			   "%s", r.out);
	cr_assert_eq(strtoull(series(r.out, "test_http_requests_total{domain=\"pcpu_test_writer\","
					    "code=\"2xx\"}"),
			      NULL, 10),
		     WRITER_HTTP_2XX_PER_REQUEST * w.requests);
	cr_assert_eq(strtoull(series(r.out, "test_http_requests_total{domain=\"pcpu_test_writer\","
					    "code=\"5xx\"}"),
			      NULL, 10),
		     WRITER_HTTP_5XX_PER_REQUEST * w.requests);
	cr_assert_not_null(strstr(r.out, "# TYPE pcpu_test_depth gauge\n"), "%s", r.out);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_depth{"), NULL, 10),
		     WRITER_DEPTH_PER_REQUEST * w.requests);
	cr_assert_not_null(strstr(r.out, "# TYPE test_busy_seconds_total counter\n"), "%s", r.out);
	snprintf(busy, sizeof(busy), "%.17g",
		 strtod(series(r.out, "test_busy_seconds_total{"), NULL));
	cr_assert_float_eq(strtod(busy, NULL),
			   (double)(WRITER_BUSY_NS_PER_REQUEST * w.requests) * 1e-9, 1e-15,
			   "nanoseconds times the scale 1e-9: %s", busy);
	check_latency(r.out, w.requests);
	run_free(&r);
	run_pcpu(&r, "export", "--openmetrics", w.domain, NULL);
	cr_assert_eq(openmetrics_check(r.out, &families), 0);
	cr_expect_not_null(strstr(families, "test_http_requests counter - 4\n"),
			   "two label sets, each _total and _created: %s", families);
	cr_expect_not_null(strstr(families, "test_busy_seconds counter seconds 2\n"), "%s",
			   families);
	cr_expect_not_null(strstr(r.out, "# UNIT test_busy_seconds seconds\n"), "%s", r.out);
	cr_expect_not_null(strstr(families, "pcpu_test_depth gauge - 1\n"), "%s", families);
	cr_expect_not_null(strstr(families, "test_latency_seconds histogram seconds 7\n"),
			   "three buckets, +Inf, _sum, _count, _created: %s", families);
	free(families);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_export, a_target_named_twice_is_exported_once)
{
	struct writer w;
	struct run r;
	char pid[16];

	writer_start(&w, NULL, 1, 10, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	run_pcpu(&r, "export", w.domain, pid, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_eq(count_lines(r.out, "pcpu_test_requests_total{"), 1);
	cr_assert_eq(count_lines(r.out, "pcpu_domain_up{"), 1);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_export, an_unreadable_target_is_up_0_and_exit_1_after_the_others)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 77, NULL);
	run_pcpu(&r, "export", "/nonexistent/domain", w.domain, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "/nonexistent/domain"), "%s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_eq(
		strtoull(series(r.out, "pcpu_domain_up{domain=\"/nonexistent/domain\"}"), NULL, 10),
		0);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_requests_total{"), NULL, 10), 77);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* A snapshot keeps the values of its moment: exported, up 1, state "snapshot", under the
 * identity of the domain it was taken of. */
Test(tools_export, a_snapshot_is_exported_with_its_state)
{
	char *snap = test_path(test_tmpdir(), "w.snap"), info[512];
	struct writer w;
	struct run r;
	uint64_t then;

	writer_start(&w, test_tmpdir(), 1, 40, NULL);
	run_pcpu(&r, "snapshot", w.domain, snap, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	run_free(&r);
	then = w.requests;
	writer_again(&w);
	run_pcpu(&r, "export", snap, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	cr_assert_eq(strtoull(series(r.out, REQUESTS_OF_WRITER), NULL, 10), then);
	cr_assert_str_eq(series(r.out, "pcpu_domain_up{domain=\"pcpu_test_writer\"}"), "1");
	snprintf(info, sizeof(info),
		 "pcpu_domain_info{domain=\"pcpu_test_writer\",path=\"%s\",pid=\"%d\","
		 "program=\"pcpu_test_writer\",state=\"snapshot\"}",
		 snap, (int)w.pid);
	cr_assert_str_eq(series(r.out, info), "1", "%s not in %s", info, r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	remove_with_dir(snap);
	free(snap);
}

/* Another user's domain is identified as USER/NAME (here root's, read by a member of its
 * monitoring group): the same name in two users' directories stays two series. */
Test(tools_export, another_users_domain_is_identified_with_the_user)
{
	struct writer_opts o = {.domain = "web", .extra_env = "PCPU_GROUP=64100"};
	const char *shm;
	struct writer w;
	struct run r;

	if (geteuid() != 0)
		cr_skip_test("needs root to make another user's domain");
	shm = shm_private();
	cr_assert_eq(chmod(shm, 0755), 0);
	writer_start_opts(&w, &o, 1, 77);
	run_pcpu_as(&r, 64102, 64100, "export", "root/web", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(series(r.out, "pcpu_test_requests_total{domain=\"root/web\"}"), "77", "%s",
			 r.out);
	run_free(&r);
	run_pcpu(&r, "export", "web", NULL);
	cr_assert_str_eq(series(r.out, "pcpu_test_requests_total{domain=\"web\"}"), "77",
			 "its owner sees the name alone: %s", r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}

/* A counter and a histogram whose descriptions are malformed (five labels, bounds not
 * ascending): each is said once, the counter exported by its kind, the histogram, whose
 * bounds are lost, left out and said so. */
Test(tools_export, a_malformed_description_is_said_once_per_symbol)
{
	struct domfix f;
	struct pcpu_dom_meta *m;
	uint64_t hits, lat;
	char *path;
	struct run r;

	cr_assert_eq(domfix_init(&f, 2, 2), 0);
	f.hdr->flags |= PCPU_DOM_F_SNAPSHOT; /* exported: a dead domain's values are not */
	hits = domfix_zalloc(&f, PCPU_COUNTER_SIZE);
	lat = domfix_zalloc(&f, 3 * PCPU_HIST_CELL_SIZE);
	((uint64_t *)domfix_at(&f, hits, 0))[PCPU_COUNTER_VALUE] = 42;
	domfix_meta(&f, domfix_sym(&f, "hits", PCPU_SYM_COUNTER, hits, 8), PCPU_META_COUNTER)
		->nlabels = 5;
	m = domfix_meta(&f, domfix_sym(&f, "lat", PCPU_SYM_HISTOGRAM, lat, 3 * PCPU_HIST_CELL_SIZE),
			PCPU_META_HISTOGRAM);
	m->nbounds = 2;
	m->bounds[0] = 10;
	m->bounds[1] = 5;
	path = domfix_save(&f);
	cr_assert_not_null(path);
	run_pcpu(&r, "export", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(count_lines(r.err, "pcpu export: "), 3, "%s", r.err);
	cr_expect_not_null(strstr(r.err, ": hits: description ignored: "), "%s", r.err);
	cr_expect_not_null(strstr(r.err, ": lat: metadata ignored: "), "%s", r.err);
	cr_expect_not_null(strstr(r.err, ": lat: a histogram without its bounds"), "%s", r.err);
	cr_expect_str_eq(series(r.out, "pcpu_hits_total{"), "42", "%s", r.out);
	cr_expect_eq(count_lines(r.out, "pcpu_lat"), 0, "%s", r.out);
	run_free(&r);
	domfix_remove(path, NULL);
	domfix_free(&f);
}
