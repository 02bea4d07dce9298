/*
 * The stress tests' workers: threads that all run one function at once, and one more
 * that disturbs them (moves them between CPUs, signals them) until every worker is done.
 * Flags between threads are atomics, so that ThreadSanitizer sees their ordering.
 */
#ifndef PCPU_TESTS_COMMON_STRESS_H
#define PCPU_TESTS_COMMON_STRESS_H

#include <pthread.h>

enum { STRESS_MAXT = 64 };

extern int stress_nthreads; /* two per online CPU, at least 8, at most STRESS_MAXT */
extern pthread_t stress_workers[STRESS_MAXT];
extern int stress_stop; /* set once every worker is done; disturbers poll it */

/* Sets stress_nthreads and clears stress_stop. */
void stress_init(void);
/*
 * Runs fn((void *)t) on workers t = 0 .. stress_nthreads-1, which start together once all
 * exist, and disturb alongside; closes gate then too, unless it is -1 (forked children
 * waiting for end of file on it start with the threads). disturb is joined before any
 * worker, so that it never touches a thread whose handle is gone. 0, or -1 when a thread
 * could not be made (nothing is left running).
 */
int stress_run(void *(*fn)(void *), void *(*disturb)(void *), int gate);
/* A disturber: moves every worker to another single CPU, over and over, until stop. */
void *stress_migrate(void *arg);
/* A disturber: sends every worker SIGUSR1 every 50 us until stop. */
void *stress_signal(void *arg);

#endif
