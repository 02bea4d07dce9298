/* pcpu stat against a live writer: totals, per-CPU columns, globs, rates, JSON. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

#define THREADS 4
#define ITERS 200000

static uint64_t u64(const char *s)
{
	cr_assert_not_null(s);
	return strtoull(s, NULL, 10);
}

Test(tools_stat, totals_match_the_writers_own_sums)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), THREADS, ITERS, NULL);
	cr_assert_eq(w.requests, (uint64_t)THREADS * ITERS);
	run_pcpu(&r, "stat", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), w.requests);
	cr_assert_eq(u64(field_of(r.out, "test_hits", 1)), w.hits);
	cr_assert_eq(w.hits, 3ull * THREADS * ITERS);
	cr_assert_eq(strtoll(field_of(r.out, "test_balance", 1), NULL, 10), w.balance);
	cr_assert_eq(w.balance, -2ll * THREADS * ITERS);
	cr_assert_not_null(strstr(r.out, "alive"));
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_stat, per_cpu_columns_sum_to_the_total)
{
	struct writer w;
	struct run r;
	const char *names[] = {"test_requests", "test_hits", "test_balance"};

	writer_start(&w, test_tmpdir(), THREADS, ITERS, NULL);
	run_pcpu(&r, "stat", "-P", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(field_of(r.out, "NAME", 1 + (int)w.ncpus), "one column per CPU");
	cr_assert_null(field_of(r.out, "NAME", 2 + (int)w.ncpus));
	for (size_t k = 0; k < 3; k++) {
		int64_t sum = 0;

		for (unsigned int c = 0; c < w.ncpus; c++)
			sum += strtoll(field_of(r.out, names[k], 2 + (int)c), NULL, 10);
		cr_assert_eq(sum, strtoll(field_of(r.out, names[k], 1), NULL, 10), "%s", names[k]);
	}
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* Without rseq a counter's adds go to its adjustment word, not its value: the totals and
 * the per-CPU cells must count them all the same. */
Test(tools_stat, a_writer_in_atomic_mode_is_counted_exactly_in_totals_and_per_cpu)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), THREADS, ITERS, "PCPU_RSEQ=0");
	run_pcpu(&r, "stat", "-P", w.domain, "test_requests", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), w.requests);
	cr_assert_eq(w.requests, (uint64_t)THREADS * ITERS);
	uint64_t sum = 0;
	for (unsigned int c = 0; c < w.ncpus; c++)
		sum += u64(field_of(r.out, "test_requests", 2 + (int)c));
	cr_assert_eq(sum, w.requests);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_stat, globs_select_the_matching_names_only)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 1000, NULL);
	run_pcpu(&r, "stat", w.domain, "test_b*", "*hits", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(field_of(r.out, "test_balance", 1));
	cr_assert_not_null(field_of(r.out, "test_hits", 1));
	cr_assert_null(field_of(r.out, "test_requests", 1));
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* Prints the number of JSON documents, whether test_requests has a rate in each, and
 * the names sampled. */
static void check_watch(const char *json, const char *expect)
{
	python_json_expect(
		json,
		"import json,sys\n"
		"docs=[json.loads(l) for l in sys.stdin if l.strip()]\n"
		"r=[[\"rate\" in s for s in d[\"symbols\"] if s[\"name\"]==\"test_requests\"][0]"
		" for d in docs]\n"
		"print(len(docs), r, \",\".join(sorted(s[\"name\"] for s in "
		"docs[0][\"symbols\"])))",
		expect);
}

struct async_stat {
	pthread_t tid;
	const char *domain;
	struct run r;
};

static void *stat_json_watch(void *arg)
{
	struct async_stat *a = arg;

	run_pcpu(&a->r, "stat", "--json", "-w", "1", "-c", "2", a->domain, NULL);
	return NULL;
}

/* The second sample's rate times its interval is exactly what the writer counted in
 * between: one more round. */
Test(tools_stat, watch_gives_rates_of_what_was_counted_between_samples)
{
	struct async_stat a;
	struct writer w;
	struct run py;
	uint64_t before;
	char expect[64];

	writer_start(&w, test_tmpdir(), THREADS, ITERS, NULL);
	before = w.requests;
	a.domain = w.domain;
	pthread_create(&a.tid, NULL, stat_json_watch, &a);
	usleep(300000);
	writer_again(&w);
	pthread_join(a.tid, NULL);
	cr_assert_eq(a.r.status, 0, "stderr: %s", a.r.err);
	run_python_json(
		&py, a.r.out,
		"import json,sys\n"
		"docs=[json.loads(l) for l in sys.stdin if l.strip()]\n"
		"assert len(docs)==2, len(docs)\n"
		"assert all(\"rate\" not in s for s in docs[0][\"symbols\"])\n"
		"d=docs[1]; s=[s for s in d[\"symbols\"] if s[\"name\"]==\"test_requests\"][0]\n"
		"print(round(s[\"rate\"]*d[\"interval\"]), s[\"total\"])");
	cr_assert_eq(py.status, 0, "python: %s", py.err);
	snprintf(expect, sizeof(expect), "%" PRIu64 " %" PRIu64 "\n", w.requests - before,
		 w.requests);
	cr_assert_str_eq(py.out, expect);
	run_free(&py);
	run_free(&a.r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_stat, json_is_valid_and_holds_the_totals_and_escaped_names)
{
	struct writer w;
	struct run r, py;
	char expect[256];

	writer_start(&w, test_tmpdir(), 2, 5000, NULL);
	run_pcpu(&r, "stat", "--json", "-P", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	run_python_json(&py, r.out,
			"import json,sys\n"
			"d=json.load(sys.stdin); s={x[\"name\"]:x for x in d[\"symbols\"]}\n"
			"w=s[\"test.weird \\\"quoted\\\" \\\\ name\"]\n"
			"print(s[\"test_requests\"][\"total\"], s[\"test_balance\"][\"total\"], "
			"w[\"total\"], sum(w[\"per_cpu\"]), d[\"state\"], d[\"pid\"])");
	cr_assert_eq(py.status, 0, "python: %s\njson: %s", py.err, r.out);
	snprintf(expect, sizeof(expect),
		 "%" PRIu64 " %" PRId64 " %" PRIu64 " %" PRIu64 " alive %d\n", w.requests,
		 w.balance, w.weird, w.weird, (int)w.pid);
	cr_assert_str_eq(py.out, expect);
	run_free(&py);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_stat, a_pid_target_finds_the_default_domain_and_the_PCPU_DOMAIN_one)
{
	struct writer shm, priv;
	struct run r;
	char pid[16];

	writer_start(&shm, NULL, 1, 1234, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)shm.pid);
	run_pcpu(&r, "stat", pid, "test_requests", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), 1234);
	run_free(&r);
	cr_assert_eq(writer_stop(&shm), 0);

	writer_start(&priv, test_tmpdir(), 1, 4321, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)priv.pid);
	run_pcpu(&r, "stat", pid, "test_requests", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), 4321);
	run_free(&r);
	cr_assert_eq(writer_stop(&priv), 0);
}

Test(tools_stat, a_killed_writers_file_is_read_post_mortem_as_dead)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 2, 10000, "PCPU_KEEP=1");
	writer_kill(&w);
	run_pcpu(&r, "stat", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), w.requests);
	cr_assert_not_null(strstr(r.out, " dead "), "%s", r.out);
	run_free(&r);
	writer_cleanup(&w);
}

Test(tools_stat, a_snapshot_keeps_the_values_of_its_moment)
{
	struct writer w;
	struct run r;
	char *snap = test_path(test_tmpdir(), "snap");
	uint64_t then;

	writer_start(&w, test_tmpdir(), 2, 10000, NULL);
	then = w.requests;
	run_pcpu(&r, "snapshot", w.domain, snap, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	run_free(&r);
	writer_again(&w);
	cr_assert_gt(w.requests, then);
	run_pcpu(&r, "stat", snap, "test_requests", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(u64(field_of(r.out, "test_requests", 1)), then);
	cr_assert_not_null(strstr(r.out, " snapshot "), "%s", r.out);
	run_free(&r);
	remove_with_dir(snap);
	free(snap);
	cr_assert_eq(writer_stop(&w), 0);
}

static void *stat_json_watch_fast(void *arg)
{
	struct async_stat *a = arg;

	run_pcpu(&a->r, "stat", "--json", "-w", "0.5", "-c", "4", a->domain, NULL);
	return NULL;
}

/* The file outlives a writer killed mid-watch: the watch goes on, post mortem. Samples
 * come at d, d + 0.5, d + 1 and d + 1.5 s, d being pcpu's start-up; the kill at 0.8 s
 * falls between the first and the last for any start-up below 0.8 s (ASan, a busy CI). */
Test(tools_stat, a_watch_outlives_its_writer_and_says_dead)
{
	struct async_stat a;
	struct writer w;
	struct run py;
	char expect[64];

	writer_start(&w, test_tmpdir(), 2, 1000, "PCPU_KEEP=1");
	a.domain = w.domain;
	pthread_create(&a.tid, NULL, stat_json_watch_fast, &a);
	usleep(800000);
	writer_kill(&w);
	pthread_join(a.tid, NULL);
	cr_assert_eq(a.r.status, 0, "stderr: %s", a.r.err);
	run_python_json(&py, a.r.out,
			"import json,sys\n"
			"docs=[json.loads(l) for l in sys.stdin if l.strip()]\n"
			"print(docs[0][\"state\"], docs[-1][\"state\"], [s[\"total\"] for s in "
			"docs[-1][\"symbols\"] if s[\"name\"]==\"test_requests\"][0])");
	snprintf(expect, sizeof(expect), "alive dead %" PRIu64 "\n", w.requests);
	cr_assert_str_eq(py.out, expect, "%s", py.err);
	run_free(&py);
	run_free(&a.r);
	writer_cleanup(&w);
}

/* vmstat's "TARGET INTERVAL COUNT", GLOBs among them: COUNT samples, a rate from the
 * second on, only the selected names. */
Test(tools_stat, numbers_after_the_target_are_interval_and_count)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 1000, NULL);
	run_pcpu(&r, "stat", "--json", w.domain, "test_requests", "0.1", "test_hits", "3", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	check_watch(r.out, "3 [False, True, True] test_hits,test_requests\n");
	run_free(&r);
	run_pcpu(&r, "stat", "--json", w.domain, "0.1", "2", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	check_watch(r.out, "2 [False, True] test.weird \"quoted\" \\ name,test_balance,test_hits,"
			   "test_requests\n");
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* The writer says test_balance is a gauge and test_hits a counter: no rate for the gauge
 * (in JSON, in the RATE/s column), one for the counter and the untyped ones. */
Test(tools_stat, a_gauge_has_no_rate)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 1000, NULL);
	writer_type(&w, "test_balance", "gauge");
	writer_type(&w, "test_hits", "counter");
	run_pcpu(&r, "stat", "--json", w.domain, "test_[bhr]*", "0.1", "2", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	python_json_expect(
		r.out,
		"import json,sys\n"
		"d=[json.loads(l) for l in sys.stdin][1]\n"
		"for s in sorted(d[\"symbols\"], key=lambda s: s[\"name\"]):\n"
		"  print(s[\"name\"], s[\"metric_type\"], s.get(\"rate\"))",
		"test_balance gauge None\ntest_hits counter 0\ntest_requests counter 0\n");
	run_free(&r);
	run_pcpu(&r, "stat", w.domain, "test_[bh]*", "0.1", "2", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(field_of(strstr(r.out, "\n\n"), "test_balance", 2), "-", "%s", r.out);
	cr_assert_str_eq(field_of(strstr(r.out, "\n\n"), "test_hits", 2), "0.0", "%s", r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}
