#include "common/stress.h"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

int stress_nthreads;
pthread_t stress_workers[STRESS_MAXT];
int stress_stop;

static void *(*work)(void *);
static int finished, go;

void stress_init(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	stress_nthreads = (int)(2 * (n > 0 ? n : 1));
	if (stress_nthreads < 8)
		stress_nthreads = 8;
	if (stress_nthreads > STRESS_MAXT)
		stress_nthreads = STRESS_MAXT;
	stress_stop = 0;
}

void *stress_migrate(void *arg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	(void)arg;
	for (unsigned int round = 0; !LOAD(stress_stop); round++) {
		for (int t = 0; t < stress_nthreads; t++) {
			CPU_ZERO(&set);
			CPU_SET((round + (unsigned int)t) % (unsigned int)ncpu, &set);
			pthread_setaffinity_np(stress_workers[t], sizeof(set), &set);
		}
		sched_yield();
	}
	return NULL;
}

void *stress_signal(void *arg)
{
	(void)arg;
	while (!LOAD(stress_stop)) {
		for (int t = 0; t < stress_nthreads; t++)
			pthread_kill(stress_workers[t], SIGUSR1);
		usleep(50);
	}
	return NULL;
}

static void *work_then_report(void *arg)
{
	while (!LOAD(go))
		sched_yield();
	work(arg);
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void join(int n)
{
	for (int t = 0; t < n; t++)
		pthread_join(stress_workers[t], NULL);
}

int stress_run(void *(*fn)(void *), void *(*disturb)(void *), int gate)
{
	pthread_t other;

	work = fn;
	finished = go = 0;
	for (long t = 0; t < stress_nthreads; t++)
		if (pthread_create(&stress_workers[t], NULL, work_then_report, (void *)t) != 0) {
			STORE(go, 1);
			join((int)t);
			return -1;
		}
	if (pthread_create(&other, NULL, disturb, NULL) != 0) {
		STORE(go, 1);
		join(stress_nthreads);
		return -1;
	}
	if (gate >= 0)
		close(gate);
	STORE(go, 1);
	while (LOAD(finished) < stress_nthreads)
		usleep(1000);
	STORE(stress_stop, 1);
	pthread_join(other, NULL);
	join(stress_nthreads);
	return 0;
}
