/* pcpu export: the exposition passes promtool and holds the writer's values. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* Runs `promtool check metrics` on text; returns its exit status. */
static int promtool_check(const char *text)
{
	char *file = test_path(test_tmpdir(), "metrics.txt");
	char *cmd;
	struct run r;
	FILE *f = fopen(file, "w");
	int status;

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_geq(asprintf(&cmd, "promtool check metrics < %s", file), 0);
	run_sh(&r, cmd);
	status = r.status;
	if (status != 0)
		cr_log_error("promtool: %s%s\n%s", r.out, r.err, text);
	run_free(&r);
	free(cmd);
	remove_with_dir(file);
	free(file);
	return status;
}

/* The value of the first series whose line starts with prefix (family and labels). */
static const char *series(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, prefix);
	if (!p)
		return NULL;
	p = strstr(p, "} "); /* label values may hold spaces, not this */
	return p ? p + 2 : NULL;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, prefix)); p++)
		n += p == text || p[-1] == '\n';
	return n;
}

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
	cr_assert_not_null(strstr(r.out, "# TYPE pcpu_test_balance gauge\n"));
	snprintf(prefix, sizeof(prefix),
		 "pcpu_test_requests_total{domain=\"%s\",pid=\"%d\",program=\"pcpu_test_writer\","
		 "symbol=\"test_requests\"}",
		 w.domain, (int)w.pid);
	cr_assert_not_null(series(r.out, prefix), "%s not in:\n%s", prefix, r.out);
	cr_assert_eq(strtoull(series(r.out, prefix), NULL, 10), w.requests);
	cr_assert_eq(strtoll(series(r.out, "pcpu_test_balance{"), NULL, 10), w.balance);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_hits{"), NULL, 10), w.hits);
	cr_assert_eq(strtoull(series(r.out, "pcpu_domain_up{target="), NULL, 10), 1);
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
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 2, 10, NULL);
	run_pcpu(&r, "export", w.domain, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(promtool_check(r.out), 0);
	/* test.weird "quoted" \ name: the family takes '_' for each character outside the
	 * name alphabet, the label value escapes '"' and '\'. */
	cr_assert_not_null(strstr(r.out, "# HELP pcpu_test_weird__quoted____name_total pcpu "
					 "counter(9) test.weird \"quoted\" \\\\ name\n"),
			   "%s", r.out);
	cr_assert_not_null(strstr(r.out, ",symbol=\"test.weird \\\"quoted\\\" \\\\ name\"} "), "%s",
			   r.out);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_weird__quoted____name_total{"), NULL, 10),
		     w.weird);
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
	cr_assert_eq(count_lines(r.out, "pcpu_domain_up{"), 2);
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
		strtoull(series(r.out, "pcpu_domain_up{target=\"/nonexistent/domain\"}"), NULL, 10),
		0);
	cr_assert_eq(strtoull(series(r.out, "pcpu_test_requests_total{"), NULL, 10), 77);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}
