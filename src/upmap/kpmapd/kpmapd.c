/*
 * kpmapd: publishes DragonFly's kpmap page (tick counter, uptime and real time at tick
 * resolution, TSC and tick frequencies, fast_gtod, and the TSC clock while the TSC is
 * trusted) for libpcpu's ukp_* fast paths.
 * See kpmapd(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upmap/kpmap_writer.h"

enum { HZ_MAX = 100000 };

struct options {
	const char *path;
	int hz;
	int foreground;
	int fast_gtod;
	int set_fast_gtod; /* -1: run as the daemon; 0/1: change the running map and exit */
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: kpmapd [--path FILE] [--hz N] [--foreground] [--fast-gtod 0|1]\n"
		     "       kpmapd [--path FILE] --set-fast-gtod 0|1\n");
}

/* Parses a decimal int in [lo, hi]; -1 with a message otherwise. */
static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "kpmapd: %s: '%s' is not a number from %d to %d\n", opt, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* The daemon changes to /, where a relative path would name another file at shutdown. */
static const char *absolute_path(const char *path)
{
	char cwd[PATH_MAX];
	char *abs;

	if (path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, path) < 0) {
		perror("kpmapd: path");
		return NULL;
	}
	return abs;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"path", required_argument, NULL, 'p'},
		{"hz", required_argument, NULL, 'z'},
		{"foreground", no_argument, NULL, 'f'},
		{"fast-gtod", required_argument, NULL, 'g'},
		{"set-fast-gtod", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, bad = 0;

	*o = (struct options){NULL, 100, 0, 0, -1};
	while (!bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->path = optarg;
			break;
		case 'z':
			bad = parse_int("--hz", optarg, 1, HZ_MAX, &o->hz);
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'g':
			bad = parse_int("--fast-gtod", optarg, 0, 1, &o->fast_gtod);
			break;
		case 's':
			bad = parse_int("--set-fast-gtod", optarg, 0, 1, &o->set_fast_gtod);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("kpmapd %s\n", PCPU_VERSION);
			exit(0);
		default:
			bad = 1;
		}
	}
	if (!bad && optind != argc) {
		fprintf(stderr, "kpmapd: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (bad) {
		usage(stderr);
		return -1;
	}
	/* kpmap_sysctl() (--set-fast-gtod) then opens the same file. */
	if (o->path != NULL && kpmap_setpath(o->path) != 0)
		return -1;
	o->path = absolute_path(pcpu_kpmap_path());
	return o->path != NULL ? 0 : -1;
}

static void timespec_add_ns(struct timespec *ts, long ns)
{
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000) {
		ts->tv_nsec -= 1000000000;
		ts->tv_sec++;
	}
}

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
}

/*
 * Publishes at hz until SIGTERM or SIGINT, or until another kpmapd renames its map over
 * our path (checked once a second): that is how a restart hands over, and a daemon left
 * publishing an orphaned map would keep its readers from fast_gtod changes made at the
 * path. A late wake-up publishes once and re-bases the schedule rather than bursting
 * ticks (upticks counts publications).
 */
static void publish_loop(const struct pcpu_kpmap_writer *w, int hz, struct pcpu_tsclock *tsc)
{
	const long period = 1000000000L / hz;
	struct timespec next, up;
	struct sys_kpmap *k = w->map;
	int ticks = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop_requested) {
		if (++ticks >= hz) {
			ticks = 0;
			if (pcpu_kpmap_replaced(w))
				return;
			pcpu_tsclock_recheck(tsc);
		}
		timespec_add_ns(&next, period);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0)
			continue; /* EINTR: a stop signal, checked above */
		pcpu_tsclock_tick(tsc, k);
		clock_gettime(CLOCK_MONOTONIC, &up);
		if (ns_between(&next, &up) > period)
			next = up;
	}
}

static int install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTERM, &sa, NULL) | sigaction(SIGINT, &sa, NULL);
}

/*
 * Detaches into the background (new session, / as working directory, standard streams on
 * /dev/null). The caller's process waits until the daemon reports its map guarded, so
 * that when kpmapd returns 0 the map is published; it returns 1 if the daemon died first.
 * Returns, in the daemon, the descriptor on which to report readiness, or -1.
 */
static int detach(void)
{
	int ready[2], null;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(ready[1]);
		_exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
	}
	close(ready[0]);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || chdir("/") != 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		return -1;
	close(null);
	return ready[1];
}

static int run_daemon(const struct options *o)
{
	struct pcpu_kpmap_writer w;
	struct pcpu_tsclock tsc;
	int ready = -1;

	if (install_handlers() != 0) {
		perror("kpmapd: sigaction");
		return 1;
	}
	/* Created before detaching, so that errors reach the caller's terminal. */
	pcpu_tsclock_init(&tsc);
	if (pcpu_kpmap_create(&w, o->path, o->hz, tsc.freq, o->fast_gtod) != 0) {
		fprintf(stderr, "kpmapd: %s: %s\n", o->path, strerror(errno));
		return 1;
	}
	if (!o->foreground && (ready = detach()) < 0) {
		fprintf(stderr, "kpmapd: detach: %s\n", strerror(errno));
		pcpu_kpmap_retire(&w);
		return 1;
	}
	/* In the process that stays: its death, however it happens, retires the map. */
	if (pcpu_kpmap_guard(&w) != 0) {
		fprintf(stderr, "kpmapd: set_robust_list: %s\n", strerror(errno));
		pcpu_kpmap_retire(&w);
		return 1;
	}
	if (ready >= 0) {
		if (write(ready, "r", 1) != 1)
			fprintf(stderr, "kpmapd: lost the starting process\n");
		close(ready);
	}
	publish_loop(&w, o->hz, &tsc);
	pcpu_kpmap_retire(&w);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	if (parse_options(argc, argv, &o) != 0)
		return 2;
	if (o.set_fast_gtod >= 0) {
		if (kpmap_sysctl("kern.gettimeofday_quick", NULL, &o.set_fast_gtod) != 0) {
			fprintf(stderr, "kpmapd: %s: %s\n", o.path, strerror(errno));
			return 1;
		}
		return 0;
	}
	return run_daemon(&o);
}
