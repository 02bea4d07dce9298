/*
 * demo_server: a small server-like program that counts its work per CPU so that
 * pcpu(1) can watch it live. Worker threads "handle requests" and a forked
 * child runs background jobs; both count into counter(9) counters and DPCPU
 * variables of the same domain (forked children share their parent's). The
 * process title says what it is doing, and time comes from kpmap when kpmapd
 * publishes it (ukp_gettimeofday, no system call), or from the system call
 * otherwise.
 *
 * Each symbol says what it is to a monitoring system (pcpu_metric(3)): counters and
 * gauges with help text and units, responses as one family labelled by status class, and
 * the time a request took as a histogram, so that `pcpu serve` exports them as a
 * Prometheus client library would (contrib/grafana has a dashboard for them).
 *
 * usage: demo_server [-t THREADS] [-s SECONDS]    (runs until SIGINT/SIGTERM
 * without -s)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/histogram.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>
#include <pcpu/upmap.h>

COUNTER_U64_DEFINE_EARLY_METRIC(demo_requests, PCPU_METRIC_COUNTER, NULL, "Requests handled");
COUNTER_U64_DEFINE_EARLY_METRIC(demo_bytes_out, PCPU_METRIC_COUNTER, "bytes",
				"Bytes of responses sent");
/* Counted by the forked child. */
COUNTER_U64_DEFINE_EARLY_METRIC(demo_jobs_done, PCPU_METRIC_COUNTER, NULL,
				"Background jobs finished");
DPCPU_DEFINE_STATIC(unsigned long, demo_cache_hits);
DPCPU_DEFINE_STATIC(unsigned long, demo_cache_misses);
DPCPU_DEFINE_STATIC(long, demo_inflight); /* +1 when a request starts, -1 when it ends */
DPCPU_DESCRIBE(demo_cache_hits, PCPU_METRIC_COUNTER, NULL, "Cache lookups that hit");
DPCPU_DESCRIBE(demo_cache_misses, PCPU_METRIC_COUNTER, NULL, "Cache lookups that missed");
DPCPU_DESCRIBE(demo_inflight, PCPU_METRIC_GAUGE, NULL, "Requests being handled now");

/* Responses by status class: one family, demo_responses_total{code="2xx"} and "5xx". */
static counter_u64_t demo_ok, demo_failed;
/* How long the work of a request took, in nanoseconds, exported in seconds. */
static pcpu_histogram_t demo_duration;
static const uint64_t duration_bounds_ns[] = {250,  500,   1000,  2000,	  4000,
					      8000, 16000, 64000, 256000, 1000000};

static counter_u64_t response_family(const char *name, const char *code)
{
	const char *labels[] = {"code", code, NULL};
	struct pcpu_metric m = {.pm_type = PCPU_METRIC_COUNTER,
				.pm_help = "Responses sent, by status class",
				.pm_family = "demo_responses",
				.pm_labels = labels};

	return counter_u64_alloc_metric(name, &m, M_WAITOK);
}

/* Named objects: a restarted demo_server continues the same series. */
static int define_metrics(void)
{
	struct pcpu_metric duration = {.pm_help = "Time the work of a request took",
				       .pm_unit = "seconds",
				       .pm_family = "demo_request_duration",
				       .pm_scale = 1e-9};

	demo_ok = response_family("demo_responses_2xx", "2xx");
	demo_failed = response_family("demo_responses_5xx", "5xx");
	demo_duration = pcpu_histogram_alloc_named(
		"demo_request_duration_ns", duration_bounds_ns,
		sizeof(duration_bounds_ns) / sizeof(duration_bounds_ns[0]), &duration, M_WAITOK);
	return demo_ok && demo_failed && demo_duration ? 0 : -1;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* A stand-in for real work: hashes a buffer of the request's size (FNV-1a). */
static uint64_t work(uint64_t seed, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)(seed >> (i % 8 * 8))) * 1099511628211ull;
	return h;
}

static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	uint64_t seed = (uintptr_t)arg * 0x9e3779b97f4a7c15ull;

	while (!stop) {
		size_t len = 200 + seed % 1800;
		uint64_t start = monotonic_ns();

		DPCPU_ADD(demo_inflight, 1);
		seed = work(seed, len);
		if (seed % 4)
			DPCPU_ADD(demo_cache_hits, 1);
		else
			DPCPU_ADD(demo_cache_misses, 1);
		counter_u64_add(seed % 997 == 0 ? demo_failed : demo_ok, 1);
		counter_u64_add(demo_bytes_out, (int64_t)len);
		counter_u64_add(demo_requests, 1);
		DPCPU_ADD(demo_inflight, -1);
		pcpu_histogram_observe(demo_duration, monotonic_ns() - start);
		pause_us(50);
	}
	return NULL;
}

/* The forked child: background jobs, counted in the shared domain. It leaves
 * with _exit so that only the parent, the domain's writer, tidies the domain
 * up. */
static void background_jobs(void)
{
	uint64_t seed = 42;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	ukp_setproctitle("demo_server: background jobs");
	while (!stop) {
		seed = work(seed, 4096);
		counter_u64_add(demo_jobs_done, 1);
		pause_us(2000);
	}
	_exit(0);
}

static double now(void)
{
	struct timeval tv;

	ukp_gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int run(int threads, double seconds)
{
	pthread_t tid[64];
	double start = now();
	pid_t child;
	int n;

	child = fork();
	if (child == 0)
		background_jobs();
	if (child < 0)
		perror("demo_server: fork");
	for (n = 0; n < threads; n++)
		if (pthread_create(&tid[n], NULL, worker, (void *)(uintptr_t)(n + 1)) != 0)
			break;
	while (!stop && (seconds <= 0 || now() - start < seconds)) {
		ukp_setproctitle("demo: %d workers, up %.0f s", n, now() - start);
		pause_us(200000);
	}
	stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	printf("demo_server: %" PRIu64 " requests, %" PRIu64 " jobs, %" PRIu64 " errors\n",
	       counter_u64_fetch(demo_requests), counter_u64_fetch(demo_jobs_done),
	       counter_u64_fetch(demo_failed));
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	int threads = 2, c;
	double seconds = 0;

	while ((c = getopt(argc, argv, "t:s:")) != -1) {
		if (c == 't' && (threads = atoi(optarg)) >= 1 && threads <= 64)
			continue;
		if (c == 's' && (seconds = atof(optarg)) > 0)
			continue;
		fprintf(stderr, "usage: demo_server [-t THREADS(1-64)] [-s SECONDS]\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!pcpu_domain_path()) {
		fprintf(stderr, "demo_server: no domain file: %s\n", strerror(errno));
		return 1;
	}
	if (define_metrics() < 0) {
		fprintf(stderr, "demo_server: its metrics: %s\n", strerror(errno));
		return 1;
	}
	printf("demo_server: pid %d, domain %s, time from %s\n", (int)getpid(), pcpu_domain_path(),
	       kpmap_map() ? "kpmap (no system call)" : "gettimeofday (kpmapd is not running)");
	fflush(stdout);
	return run(threads, seconds);
}
