/*
 * ukp_* fast paths against the calls they replace, one run. Each line prints the
 * replaced call first and ukp's figure as the baseline, so "ratio" reads as how many
 * times faster ukp is. kpmap is published by a 100 Hz writer thread in this process
 * (the same code kpmapd runs) on a private file, with fast_gtod on.
 */
#include <pcpu/upmap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "upmap/upmap_private.h"

enum { ITERS = 2000000, SYSCALL_ITERS = 300000 };

static void *ticker(void *arg)
{
	struct sys_kpmap *k = arg;

	for (;;) {
		struct timespec up, real, pause = {0, 10000000};

		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &up);
		clock_gettime(CLOCK_REALTIME, &real);
		pcpu_kpmap_tick(k, &up, &real);
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

static int publish(struct pcpu_kpmap_writer *w, char *dir)
{
	char path[4096], uid[32];
	pthread_t t;

	snprintf(path, sizeof(path), "%s/kpmap", dir);
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	setenv("PCPU_KPMAP", path, 1);
	setenv("PCPU_KPMAP_OWNER", uid, 1);
	if (pcpu_kpmap_create(w, path, 100, 0, 1) != 0 ||
	    pthread_create(&t, NULL, ticker, w->map) != 0 || kpmap_map() == NULL) {
		perror("bench_upmap: kpmap");
		return -1;
	}
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/pcpu-bench.XXXXXX";
	struct pcpu_kpmap_writer w;
	clockid_t rt = CLOCK_REALTIME_COARSE, mono = CLOCK_MONOTONIC_COARSE;

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
	pcpu_kpmap_retire(&w);
	rmdir(dir);
	return 0;
}
