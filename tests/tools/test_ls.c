/* pcpu ls: live, dead and snapshot domains; --gc removes the dead writers' files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* The ls row of path, split into words (static storage). */
static const char *column(const char *out, const char *path, int n)
{
	static char word[256];
	const char *line = strstr(out, path);

	cr_assert_not_null(line, "%s not listed:\n%s", path, out);
	while (line > out && line[-1] != '\n')
		line--;
	for (int i = 0; i <= n; i++) {
		size_t k;

		while (*line == ' ')
			line++;
		k = strcspn(line, " \n");
		if (i == n) {
			snprintf(word, sizeof(word), "%.*s", (int)k, line);
			return word;
		}
		line += k;
	}
	return NULL;
}

Test(tools_ls, lists_a_live_writer_with_its_counters_and_title)
{
	struct writer w;
	struct run r;
	char pid[16];

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	run_pcpu(&r, "ls", w.dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, 0), pid);
	cr_assert_str_eq(column(r.out, w.domain, 1), "pcpu_test_writer");
	cr_assert_str_eq(column(r.out, w.domain, 2), "alive");
	cr_assert_str_eq(column(r.out, w.domain, 4), "2", "counters: requests and weird");
	cr_assert_str_eq(column(r.out, w.domain, 5), "4", "symbols");
	cr_assert_not_null(strstr(r.out, "pcpu_test_writer 1 10\n"), "the title:\n%s", r.out);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_ls, a_killed_writer_is_dead_and_gc_removes_it_but_not_a_snapshot)
{
	struct writer w;
	struct run r;
	char *snap;

	writer_start(&w, test_tmpdir(), 1, 10, "PCPU_KEEP=1");
	snap = test_path(w.dir, "pcpu.snapshot");
	run_pcpu(&r, "snapshot", w.domain, snap, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	writer_kill(&w);
	run_pcpu(&r, "ls", "--json", w.dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	struct run py;

	run_python_json(&py, r.out,
			"import json,sys\n"
			"print(\" \".join(d[\"state\"] for d in json.load(sys.stdin)))");
	cr_assert_str_eq(py.out, "snapshot dead\n", "%s", r.out);
	run_free(&py);
	run_free(&r);
	run_pcpu(&r, "ls", "--gc", w.dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, 2), "removed");
	cr_assert_eq(access(w.domain, F_OK), -1, "the dead writer's file is gone");
	cr_assert_eq(access(snap, F_OK), 0, "the snapshot stays");
	run_free(&r);
	unlink(snap);
	free(snap);
	writer_cleanup(&w);
}
