/* One sample per burst of scrapes, shared by reference. */
#include "shared.h"

#include <stdlib.h>

#include "tool.h"

void shared_init(struct shared *s, double interval, shared_take_fn *take, void *arg)
{
	*s = (struct shared){.interval = interval, .take = take, .arg = arg};
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->done, NULL);
}

void shared_destroy(struct shared *s)
{
	if (s->cur)
		shared_put(s->cur);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->lock);
}

/* The last release frees: the acquire of the freeing thread's decrement pairs with the
 * release of every other holder's, so their reads of the body happen before the free. */
void shared_put(struct shared_body *b)
{
	if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (b->extra_free)
		b->extra_free(b->extra);
	free(b->data);
	free(b);
}

/* A new reference to cur, taken under the lock (cur cannot be released meanwhile). */
static struct shared_body *hold(struct shared *s)
{
	struct shared_body *b = s->cur;

	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

/* Takes the sample with the lock released, then publishes it to the waiters. */
static struct shared_body *take(struct shared *s, double start)
{
	struct shared_body *b;

	s->busy = true;
	pthread_mutex_unlock(&s->lock);
	b = s->take(s->arg);
	pthread_mutex_lock(&s->lock);
	if (b) {
		if (s->cur)
			shared_put(s->cur);
		s->cur = b;
		s->taken = start;
	}
	s->busy = false;
	s->failed = b == NULL;
	s->gen++;
	pthread_cond_broadcast(&s->done);
	return b ? hold(s) : NULL;
}

struct shared_body *shared_get(struct shared *s)
{
	struct shared_body *b;
	double now = tool_now();
	unsigned long gen;

	pthread_mutex_lock(&s->lock);
	if (s->cur && now - s->taken < s->interval) {
		b = hold(s);
	} else if (s->busy) {
		for (gen = s->gen; s->gen == gen;)
			pthread_cond_wait(&s->done, &s->lock);
		b = s->failed ? NULL : hold(s); /* the sample it waited for failed: so does it */
	} else {
		b = take(s, now);
	}
	pthread_mutex_unlock(&s->lock);
	return b;
}
