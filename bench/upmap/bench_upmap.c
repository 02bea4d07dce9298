/*
 * ukp_* fast paths against the calls they replace, one run. Each line prints the
 * replaced call first and ukp's figure as the baseline, so "ratio" reads as how many
 * times faster ukp is. kpmap is published by a 100 Hz writer thread in this process
 * (the same code kpmapd runs, TSC clock included) on a private file, with fast_gtod on.
 * Then the accuracy of the TSC clock against the kernel's, and the latency and idle cost
 * of showing a direct proc_title store.
 */
#include <pcpu/upmap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "upmap/upmap_private.h"

enum { ITERS = 2000000, SYSCALL_ITERS = 300000 };

static struct pcpu_tsclock bench_tsc;

static void *ticker(void *arg)
{
	struct sys_kpmap *k = arg;

	for (int n = 1;; n++) {
		struct timespec pause = {0, 10000000};

		nanosleep(&pause, NULL);
		if (n % 100 == 0)
			pcpu_tsclock_recheck(&bench_tsc);
		pcpu_tsclock_tick(&bench_tsc, k);
	}
	return NULL;
}

static void b_ukp_getpid(void *a, uint64_t n)
{
	(void)a;
	for (uint64_t i = 0; i < n; i++)
		bench_keep(ukp_getpid());
}

static void b_glibc_getpid(void *a, uint64_t n)
{
	(void)a;
	for (uint64_t i = 0; i < n; i++)
		bench_keep(getpid());
}

static void b_sys_getpid(void *a, uint64_t n)
{
	(void)a;
	for (uint64_t i = 0; i < n; i++)
		bench_keep(syscall(SYS_getpid));
}

static void b_ukp_gtod(void *a, uint64_t n)
{
	struct timeval tv;

	(void)a;
	for (uint64_t i = 0; i < n; i++) {
		ukp_gettimeofday(&tv, NULL);
		bench_keep(tv.tv_usec);
	}
}

static void b_vdso_gtod(void *a, uint64_t n)
{
	struct timeval tv;

	(void)a;
	for (uint64_t i = 0; i < n; i++) {
		gettimeofday(&tv, NULL);
		bench_keep(tv.tv_usec);
	}
}

static void b_ukp_clock(void *a, uint64_t n)
{
	clockid_t c = *(clockid_t *)a;
	struct timespec ts;

	for (uint64_t i = 0; i < n; i++) {
		ukp_clock_gettime(c, &ts);
		bench_keep(ts.tv_nsec);
	}
}

static void b_vdso_clock(void *a, uint64_t n)
{
	clockid_t c = *(clockid_t *)a;
	struct timespec ts;

	for (uint64_t i = 0; i < n; i++) {
		clock_gettime(c, &ts);
		bench_keep(ts.tv_nsec);
	}
}

static void report(const char *what, bench_body_fn *theirs, uint64_t their_iters,
		   const char *ukp_name, bench_body_fn *ours, void *arg)
{
	double t = bench_ns_per_op(theirs, arg, their_iters);
	double u = bench_ns_per_op(ours, arg, ITERS);

	bench_report(what, t, ukp_name, u, "ns/op");
}

/* The two take turns, ROUNDS times, and each keeps its best: load from the other agents
 * on this machine then falls on both alike instead of on whichever ran second. */
enum { ROUNDS = 7 };

static void report_alternating(const char *what, bench_body_fn *theirs, const char *ukp_name,
			       bench_body_fn *ours, void *arg)
{
	double t = 1e300, u = 1e300;

	for (int r = 0; r < ROUNDS; r++) {
		double a = bench_ns_per_op(theirs, arg, ITERS),
		       b = bench_ns_per_op(ours, arg, ITERS);

		t = a < t ? a : t;
		u = b < u ? b : u;
	}
	bench_report(what, t, ukp_name, u, "ns/op");
}

static int publish(struct pcpu_kpmap_writer *w, char *dir)
{
	char path[4096], uid[32];
	pthread_t t;

	snprintf(path, sizeof(path), "%s/kpmap", dir);
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	setenv("PCPU_KPMAP", path, 1);
	setenv("PCPU_KPMAP_OWNER", uid, 1);
	pcpu_tsclock_init(&bench_tsc);
	if (pcpu_kpmap_create(w, path, 100, bench_tsc.freq, 1) != 0 ||
	    pthread_create(&t, NULL, ticker, w->map) != 0 || kpmap_map() == NULL) {
		perror("bench_upmap: kpmap");
		return -1;
	}
	return 0;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

enum { ACC_SAMPLES = 200000 };

/* How far ukp's clock is from the middle of a bracket of two kernel reads, and how far
 * outside the bracket it ever was: min/median/max over ACC_SAMPLES in a tight loop. */
static void accuracy(clockid_t clock, const char *name)
{
	static int64_t off[ACC_SAMPLES];
	int64_t outside = 0, width = 0;

	for (int i = 0; i < ACC_SAMPLES; i++) {
		struct timespec a, u, b;

		clock_gettime(clock, &a);
		ukp_clock_gettime(clock, &u);
		clock_gettime(clock, &b);
		off[i] = ns_of(&u) - (ns_of(&a) + ns_of(&b)) / 2;
		width += ns_of(&b) - ns_of(&a);
		if (ns_of(&a) - ns_of(&u) > outside)
			outside = ns_of(&a) - ns_of(&u);
		if (ns_of(&u) - ns_of(&b) > outside)
			outside = ns_of(&u) - ns_of(&b);
	}
	qsort(off, ACC_SAMPLES, sizeof(off[0]), cmp_i64);
	printf("%-44s offset from bracket middle min/median/max %lld/%lld/%lld ns, "
	       "worst outside [before, after] %lld ns, mean bracket %lld ns (%d samples)\n",
	       name, (long long)off[0], (long long)off[ACC_SAMPLES / 2],
	       (long long)off[ACC_SAMPLES - 1], (long long)outside,
	       (long long)(width / ACC_SAMPLES), ACC_SAMPLES);
}

/* Context switches of every thread of pid, from /proc/PID/task/TID/status. */
static long ctxt_switches(pid_t pid)
{
	char cmd[128], line[128];
	long total = 0, v;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cat /proc/%d/task/*/status", (int)pid);
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			total += v;
	pclose(f);
	return total;
}

static int cmdline_is(pid_t pid, const char *want)
{
	char path[64], buf[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

enum { TITLE_STORES = 20, IDLE_SECONDS = 3 };

/*
 * A child that maps its upmap, then sits idle except for TITLE_STORES direct stores into
 * proc_title when told; the parent times each from the store to /proc/PID/cmdline showing
 * it (polled every 100 us), then counts the child's context switches over IDLE_SECONDS.
 */
static void title_latency_and_idle_cost(void)
{
	int go[2], stored[2];
	int64_t lat[TITLE_STORES];
	pid_t pid;
	long before, after;
	char c = 0;

	if (pipe(go) != 0 || pipe(stored) != 0 || (pid = fork()) < 0)
		return;
	if (pid == 0) {
		char *field = ukp_find(upmap_map(), UPTYPE_PROC_TITLE);

		close(go[1]);
		close(stored[0]);
		for (int i = 0; field != NULL && read(go[0], &c, 1) == 1; i++) {
			struct timespec now;

			snprintf(field, 64, "title-%d", i);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (write(stored[1], &now, sizeof(now)) != sizeof(now))
				break;
		}
		_exit(0);
	}
	close(go[0]);
	close(stored[1]);
	usleep(100000);
	for (int i = 0; i < TITLE_STORES; i++) {
		struct timespec at, seen;
		char want[32];

		snprintf(want, sizeof(want), "title-%d", i);
		if (write(go[1], "g", 1) != 1 || read(stored[0], &at, sizeof(at)) != sizeof(at))
			break;
		for (int tries = 0; tries < 20000 && !cmdline_is(pid, want); tries++)
			usleep(100);
		clock_gettime(CLOCK_MONOTONIC, &seen);
		lat[i] = ns_of(&seen) - ns_of(&at);
		usleep(50000);
	}
	qsort(lat, TITLE_STORES, sizeof(lat[0]), cmp_i64);
	printf("%-44s store -> /proc/PID/cmdline min/median/max %.2f/%.2f/%.2f ms (%d stores, "
	       "tick 10 ms)\n",
	       "direct proc_title store, idle process", lat[0] / 1e6, lat[TITLE_STORES / 2] / 1e6,
	       lat[TITLE_STORES - 1] / 1e6, TITLE_STORES);
	before = ctxt_switches(pid);
	sleep(IDLE_SECONDS);
	after = ctxt_switches(pid);
	printf("%-44s %ld context switches in %d s (all threads, idle, after its stores)\n",
	       "idle cost of the title watcher", after - before, IDLE_SECONDS);
	close(go[1]);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	char dir[] = "/tmp/pcpu-bench.XXXXXX";
	struct pcpu_kpmap_writer w;
	clockid_t rt = CLOCK_REALTIME_COARSE, mono = CLOCK_MONOTONIC_COARSE;
	clockid_t rt_fine = CLOCK_REALTIME, mono_fine = CLOCK_MONOTONIC;

	if (mkdtemp(dir) == NULL || publish(&w, dir) != 0)
		return 1;
	bench_header("upmap/kpmap fast paths (ratio = replaced call / ukp: times faster)");
	ukp_getpid();
	report("syscall(SYS_getpid)", b_sys_getpid, SYSCALL_ITERS, "ukp_getpid", b_ukp_getpid,
	       NULL);
	report("glibc getpid()", b_glibc_getpid, SYSCALL_ITERS, "ukp_getpid", b_ukp_getpid, NULL);
	report("vDSO gettimeofday", b_vdso_gtod, ITERS, "ukp_gettimeofday", b_ukp_gtod, NULL);
	report("vDSO clock_gettime(REALTIME_COARSE)", b_vdso_clock, ITERS,
	       "ukp_clock_gettime(REALTIME_COARSE)", b_ukp_clock, &rt);
	report("vDSO clock_gettime(MONOTONIC_COARSE)", b_vdso_clock, ITERS,
	       "ukp_clock_gettime(MONOTONIC_COARSE)", b_ukp_clock, &mono);
	printf("TSC clock: %s (tsc_freq %lld Hz)\n",
	       bench_tsc.trusted ? "published" : "not trusted here, ukp falls back to the vDSO",
	       (long long)bench_tsc.freq);
	usleep(100000);
	report_alternating("vDSO clock_gettime(MONOTONIC)", b_vdso_clock,
			   "ukp_clock_gettime(MONOTONIC)", b_ukp_clock, &mono_fine);
	report_alternating("vDSO clock_gettime(REALTIME)", b_vdso_clock,
			   "ukp_clock_gettime(REALTIME)", b_ukp_clock, &rt_fine);
	accuracy(CLOCK_MONOTONIC, "ukp_clock_gettime(MONOTONIC) vs kernel");
	accuracy(CLOCK_REALTIME, "ukp_clock_gettime(REALTIME) vs kernel");
	title_latency_and_idle_cost();
	pcpu_kpmap_retire(&w);
	rmdir(dir);
	return 0;
}
