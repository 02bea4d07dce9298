/* pcpu kpmap and sysctl against a kpmapd publishing on a private path. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

static pid_t kpmapd;
static char *kpmap;

static void kpmapd_start(void)
{
	char *bin = test_built_binary("src/upmap/kpmapd/kpmapd");

	kpmap = test_path(test_tmpdir(), "kpmap");
	kpmapd = fork();
	cr_assert_geq(kpmapd, 0);
	if (kpmapd == 0) {
		execl(bin, bin, "--path", kpmap, "--hz", "100", "--foreground", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(kpmap, F_OK) != 0; i++)
		usleep(50000);
	cr_assert_eq(access(kpmap, F_OK), 0, "kpmapd published nothing");
	usleep(100000);
	free(bin);
}

static void kpmapd_stop(void)
{
	/* 0 once a test has reaped it itself: kill(0, ...) would signal our group. */
	if (kpmapd > 0) {
		kill(kpmapd, SIGTERM);
		test_wait_exit(kpmapd);
	}
	remove_with_dir(kpmap);
	free(kpmap);
}

TestSuite(tools_kpmap, .init = kpmapd_start, .fini = kpmapd_stop);

Test(tools_kpmap, every_field_is_decoded)
{
	struct run r;
	long long sec;

	run_pcpu(&r, "kpmap", "-f", kpmap, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(field_of(r.out, "0x8304", 4), "100", "tick_freq:\n%s", r.out);
	cr_assert_str_eq(field_of(r.out, "0x8304", 5), "Hz");
	cr_assert_str_eq(field_of(r.out, "0x0201", 3), "version");
	cr_assert_str_eq(field_of(r.out, "0x8200", 3), "upticks");
	cr_assert_str_eq(field_of(r.out, "0x8501", 3), "ts_uptime");
	cr_assert_str_eq(field_of(r.out, "0x8303", 3), "tsc_freq");
	cr_assert_str_eq(field_of(r.out, "0x8205", 3), "fast_gtod");
	cr_assert_str_eq(field_of(r.out, "0x820b", 3), "tsc_shift");
	/* 0 below 4 GHz (the limit upmap(4) gives), more above. */
	cr_assert_eq(strtoll(field_of(r.out, "0x8303", 4), NULL, 10) < 4026531825LL,
		     strcmp(field_of(r.out, "0x820b", 4), "0") == 0, "%s", r.out);
	sec = strtoll(field_of(r.out, "0x8502", 4), NULL, 10);
	cr_assert_lt(llabs(sec - (long long)time(NULL)), 5, "realtime: %s", r.out);
	run_free(&r);
}

Test(tools_kpmap, json_is_valid)
{
	struct run r, py;

	run_pcpu(&r, "kpmap", "--json", "-f", kpmap, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_python_json(&py, r.out,
			"import json,sys\n"
			"f={x[\"name\"]:x[\"value\"] for x in json.load(sys.stdin)[\"fields\"]}\n"
			"print(f[\"tick_freq\"], type(f[\"ts_realtime\"][\"sec\"]).__name__)");
	cr_assert_str_eq(py.out, "100 int\n", "%s %s", py.err, r.out);
	run_free(&py);
	run_free(&r);
}

Test(tools_kpmap, sysctl_sets_fast_gtod_and_kpmap_shows_it)
{
	struct run r;

	run_pcpu(&r, "sysctl", "-f", kpmap, "kern.gettimeofday_quick=1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(strncmp(r.out, "kern.gettimeofday_quick: ", 25), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, " -> 1\n"), "%s", r.out);
	run_free(&r);
	run_pcpu(&r, "kpmap", "-f", kpmap, NULL);
	cr_assert_str_eq(field_of(r.out, "0x8205", 4), "1", "%s", r.out);
	cr_assert_str_eq(field_of(r.out, "0x8304", 4), "100", "tick_freq stays: %s", r.out);
	run_free(&r);
	run_pcpu(&r, "sysctl", "-f", kpmap, "kern.gettimeofday_quick=0", NULL);
	cr_assert_str_eq(r.out, "kern.gettimeofday_quick: 1 -> 0\n", "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "sysctl", "-f", kpmap, "kern.gettimeofday_quick", NULL);
	cr_assert_str_eq(r.out, "kern.gettimeofday_quick: 0\n", "%s", r.err);
	run_free(&r);
}

/* sysctl --json read by python's parser: the value set, and the one before. */
Test(tools_kpmap, sysctl_json_is_valid)
{
	struct run r;

	run_pcpu(&r, "sysctl", "--json", "-f", kpmap, "kern.gettimeofday_quick=1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	python_json_expect(r.out,
			   "import json,sys\n"
			   "d=json.load(sys.stdin)\n"
			   "assert d[\"old\"] in (0, 1), d\n"
			   "print(\" \".join(sorted(d)), d[\"name\"], d[\"value\"])",
			   "name old value kern.gettimeofday_quick 1\n");
	run_free(&r);
}

Test(tools_kpmap, sysctl_errors_name_the_reason)
{
	struct run r;

	run_pcpu(&r, "sysctl", "-f", kpmap, "kern.hz", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "unknown name \"kern.hz\""), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "sysctl", "-f", kpmap, "kern.gettimeofday_quick=2", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "bad value \"2\""), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "kpmap", "-f", "/nonexistent/kpmap", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "/nonexistent/kpmap: no such file"), "%s", r.err);
	run_free(&r);
}

/* A file that is not a kpmap, or one anybody may write, is refused with the reason. */
Test(tools_kpmap, a_planted_file_is_refused_with_the_reason)
{
	char *planted = test_path(test_tmpdir(), "planted");
	struct run r;
	int fd = open(planted, O_RDWR | O_CREAT | O_EXCL, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 65536), 0);
	close(fd);
	run_pcpu(&r, "kpmap", "-f", planted, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "not a kpmap"), "%s", r.err);
	run_free(&r);
	cr_assert_eq(chmod(planted, 0666), 0);
	run_pcpu(&r, "sysctl", "-f", planted, "kern.gettimeofday_quick=1", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "refused: not owned by root"), "%s", r.err);
	run_free(&r);
	remove_with_dir(planted);
	free(planted);
}

/* upticks as the file holds it, read without the tool. */
static long long upticks_in_file(void)
{
	int fd = open(kpmap, O_RDONLY);
	const char *map;
	long long v;

	cr_assert_geq(fd, 0);
	map = mmap(NULL, 65536, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(map, MAP_FAILED);
	v = *(const int32_t *)(map + 260);
	munmap((void *)map, 65536);
	close(fd);
	return v;
}

static void kill_kpmapd(void)
{
	cr_assert_eq(kill(kpmapd, SIGKILL), 0);
	cr_assert_eq(waitpid(kpmapd, NULL, 0), kpmapd);
	kpmapd = 0;
}

Test(tools_kpmap, a_live_map_says_nothing_of_staleness_and_exits_0)
{
	struct run r;

	run_pcpu(&r, "kpmap", "-f", kpmap, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "stale"), "%s", r.out);
	run_free(&r);
}

Test(tools_kpmap, a_dead_kpmapd_map_prints_its_last_values_marked_stale_and_exits_3)
{
	struct run r;
	char line[512];

	kill_kpmapd();
	run_pcpu(&r, "kpmap", "-f", kpmap, NULL);
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	snprintf(line, sizeof(line), "%s (stale: kpmapd died; its last values)\n", kpmap);
	cr_assert_eq(strncmp(r.out, line, strlen(line)), 0, "%s", r.out);
	cr_assert_eq(strtoll(field_of(r.out, "0x8200", 4), NULL, 10), upticks_in_file(), "%s",
		     r.out);
	cr_assert_str_eq(field_of(r.out, "0x8304", 4), "100", "%s", r.out);
	cr_assert_str_eq(field_of(r.out, "0x82f0", 6), "died)", "%s", r.out);
	run_free(&r);
}

Test(tools_kpmap, a_dead_kpmapd_map_in_json_has_state_died_and_exits_3)
{
	struct run r, py;

	kill_kpmapd();
	run_pcpu(&r, "kpmap", "--json", "-f", kpmap, NULL);
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	run_python_json(&py, r.out,
			"import json,sys\n"
			"d=json.load(sys.stdin)\n"
			"f={x[\"name\"]:x[\"value\"] for x in d[\"fields\"]}\n"
			"print(d[\"state\"], f[\"upticks\"])");
	cr_assert_eq(strncmp(py.out, "died ", 5), 0, "%s %s", py.err, r.out);
	cr_assert_eq(strtoll(py.out + 5, NULL, 10), upticks_in_file(), "%s", py.out);
	run_free(&py);
	run_free(&r);
}
