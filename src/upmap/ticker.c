/*
 * The upmap thread: keeps runticks. It sleeps on the process CPU-time clock, one tick of
 * CPU time at a time, so an idle process is never woken: runticks advances by about
 * tick_freq per CPU-second consumed by all threads. Direct stores into proc_title are
 * shown by the title watcher (titlewatch.c) within a wall-clock tick; where it cannot
 * run, this thread applies them once the process has used at most one more tick of CPU
 * (ukp_setproctitle() applies at once). Threads do not survive fork: the atfork handler
 * starts new ones in the child of a process that had them; after a raw fork system call
 * (no atfork handlers), the child's next upmap_map() does.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

enum { TICKER_DEFAULT_HZ = 100 };
/* At most one wake per millisecond of CPU, whatever kpmapd's --hz: each wake costs a few
 * microseconds of the process's own CPU time. runticks still counts in tick_freq units. */
enum { TICKER_MIN_PERIOD_NS = 1000000 };

static pthread_mutex_t ticker_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t ticker_pid;    /* the process whose ticker runs; stale in a child */
static bool ticker_watched; /* the title watcher runs: the ticker leaves the title alone */

uint64_t pcpu_upmap_tick_hz(void)
{
	const struct sys_kpmap *k = pcpu_kpmap_live();
	int32_t hz = k ? __atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED) : 0;

	return hz > 0 ? (uint64_t)hz : TICKER_DEFAULT_HZ;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static void *ticker_main(void *arg)
{
	struct sys_upmap *u = arg;
	const uint64_t hz = pcpu_upmap_tick_hz();
	const bool watched = __atomic_load_n(&ticker_watched, __ATOMIC_RELAXED);

	pthread_setname_np(pthread_self(), "pcpu-upmap"); /* for ps -L and the tests */

	for (;;) {
		struct timespec now, next;
		uint64_t ns, ticks;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
		ns = ts_ns(&now);
		ticks = ns / 1000000000u * hz + ns % 1000000000u * hz / 1000000000u;
		__atomic_store_n(&u->runticks, (uint32_t)ticks, __ATOMIC_RELAXED);
		if (!watched)
			pcpu_proctitle_apply(u->proc_title, false);
		ns = (ticks + 1) * 1000000000u / hz + 1;
		if (ns < ts_ns(&now) + TICKER_MIN_PERIOD_NS)
			ns = ts_ns(&now) + TICKER_MIN_PERIOD_NS;
		next.tv_sec = (time_t)(ns / 1000000000u);
		next.tv_nsec = (long)(ns % 1000000000u);
		while (clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &next, NULL) ==
		       EINTR)
			;
	}
	return NULL;
}

int pcpu_upmap_thread_start(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int err;

	/* The thread blocks every signal so that it never takes one meant for the program;
	 * it inherits the mask at creation. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int pcpu_upmap_ticker_start(struct sys_upmap *u)
{
	int err = 0;

	pthread_mutex_lock(&ticker_lock);
	if (ticker_pid != getpid()) {
		/* Before the ticker, which reads the flag once when it starts. */
		__atomic_store_n(&ticker_watched, pcpu_title_watch_start(u), __ATOMIC_RELAXED);
		err = pcpu_upmap_thread_start(ticker_main, u);
		if (err == 0)
			ticker_pid = getpid();
	}
	pthread_mutex_unlock(&ticker_lock);
	return err;
}

void pcpu_upmap_ticker_after_fork(struct sys_upmap *u)
{
	bool had = ticker_pid != 0;

	pthread_mutex_init(&ticker_lock, NULL);
	pcpu_title_watch_after_fork();
	ticker_pid = 0;
	if (had)
		pcpu_upmap_ticker_start(u);
}
