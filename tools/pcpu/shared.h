/*
 * One exposition shared by the scrapes of `pcpu serve`: concurrent scrapes wait for the
 * sample that one of them takes instead of each reading the domains, and a sample is
 * reused for the scrapes of the next interval seconds. So at most one thread maps and
 * reads the domains at a time, whatever the number of clients, and every body is one
 * immutable buffer handed to every connection that serves it.
 */
#ifndef PCPU_TOOL_SHARED_H
#define PCPU_TOOL_SHARED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* An immutable response body, freed when its last holder lets go of it; extra, when
 * not NULL, is what the taker keeps with it (other renderings), freed by extra_free. */
struct shared_body {
	unsigned int refs;
	size_t len;
	char *data;
	void *extra;
	void (*extra_free)(void *extra);
};

/* Takes one sample into a new body (refs 1), or NULL when out of memory. */
typedef struct shared_body *shared_take_fn(void *arg);

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct shared_body *cur; /* the last sample, NULL before the first */
	double taken;		 /* CLOCK_MONOTONIC seconds when cur was begun */
	unsigned long gen;	 /* samples finished (or failed) */
	bool busy;		 /* a thread is taking a sample */
	bool failed;		 /* the last sample taken failed */
	double interval;	 /* seconds a sample is reused for; 0: only within its burst */
	shared_take_fn *take;
	void *arg;
};

void shared_init(struct shared *s, double interval, shared_take_fn *take, void *arg);
void shared_destroy(struct shared *s);

/*
 * The body to answer a scrape with, with a reference for the caller: the last sample if
 * it is younger than the interval, else the one being taken when a scrape is already
 * taking it, else a new one taken by this thread. NULL when out of memory.
 */
struct shared_body *shared_get(struct shared *s);
void shared_put(struct shared_body *b);

#endif
