/* pcpu serve's shared reading: one reading per interval whatever the number of scrapes,
 * a failed reading fails every scrape that waited for it, bodies freed by the last. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared.h"

#define THREADS 8
#define SCRAPES 200

/* shared.c's clock (util.c in the tool). */
double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct source {
	unsigned int takes; /* readings taken */
	int fail;	    /* the next reading fails */
};

static struct shared_body *take(void *arg)
{
	struct source *src = arg;
	struct shared_body *b;
	unsigned int n = __atomic_add_fetch(&src->takes, 1, __ATOMIC_RELAXED);

	if (__atomic_load_n(&src->fail, __ATOMIC_RELAXED))
		return NULL;
	b = calloc(1, sizeof(*b));
	cr_assert_not_null(b);
	b->refs = 1;
	cr_assert_geq(asprintf(&b->data, "reading %u\n", n), 0);
	b->len = strlen(b->data);
	return b;
}

struct scraper {
	struct shared *s;
	const char *want; /* the body every scrape must get, or NULL */
	int bad;
};

static void *scrape(void *arg)
{
	struct scraper *c = arg;

	for (int i = 0; i < SCRAPES; i++) {
		struct shared_body *b = shared_get(c->s);

		if (!b || (c->want && strcmp(b->data, c->want) != 0))
			c->bad++;
		if (b)
			shared_put(b);
	}
	return NULL;
}

static void run(struct shared *s, const char *want, int expect_bad)
{
	pthread_t t[THREADS];
	struct scraper c[THREADS];

	for (int i = 0; i < THREADS; i++) {
		c[i] = (struct scraper){.s = s, .want = want};
		cr_assert_eq(pthread_create(&t[i], NULL, scrape, &c[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(c[i].bad, expect_bad ? SCRAPES : 0, "scraper %d: %d bad", i, c[i].bad);
	}
}

Test(shared, scrapes_within_the_interval_share_one_reading)
{
	struct source src = {0};
	struct shared s;

	shared_init(&s, 3600, take, &src);
	run(&s, "reading 1\n", 0);
	cr_expect_eq(src.takes, 1, "%u readings for %d scrapes", src.takes, THREADS * SCRAPES);
	shared_destroy(&s);
}

Test(shared, without_an_interval_each_burst_reads_anew)
{
	struct source src = {0};
	struct shared s;
	struct shared_body *a, *b;

	shared_init(&s, 0, take, &src);
	a = shared_get(&s);
	b = shared_get(&s);
	cr_assert(a && b);
	cr_expect(strcmp(a->data, "reading 1\n") == 0, "%s", a->data);
	cr_expect(strcmp(b->data, "reading 2\n") == 0, "a scrape after it reads again: %s",
		  b->data);
	shared_put(a);
	shared_put(b);
	run(&s, NULL, 0);
	shared_destroy(&s);
}

Test(shared, a_failed_reading_fails_its_scrapes_and_the_next_reads_again)
{
	struct source src = {.fail = 1};
	struct shared s;
	struct shared_body *b;

	shared_init(&s, 3600, take, &src);
	run(&s, NULL, 1);
	cr_expect_geq(src.takes, 1);
	src.fail = 0;
	b = shared_get(&s);
	cr_assert_not_null(b, "a reading that failed is not reused");
	shared_put(b);
	shared_destroy(&s);
}
