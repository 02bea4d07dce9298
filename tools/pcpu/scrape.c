/* serve's readings and their renderings. */
#include "scrape.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domdir.h"
#include "gz.h"
#include "logonce.h"
#include "tool.h"

/* The renderings other than the plain text one (shared_body.data). */
struct renderings {
	pthread_mutex_t lock; /* the gzips are made by the first scrape that asks */
	char *om;
	size_t omlen;
	char *gz[2];
	size_t gzlen[2];
};

static void renderings_free(void *arg)
{
	struct renderings *r = arg;

	pthread_mutex_destroy(&r->lock);
	free(r->om);
	free(r->gz[0]);
	free(r->gz[1]);
	free(r);
}

static int render(struct expo *e, enum expo_format fmt, char **data, size_t *len)
{
	FILE *f = open_memstream(data, len);
	int rc;

	if (!f)
		return -1;
	rc = expo_write(e, fmt, f, NULL);
	if (fclose(f) != 0 || rc != 0) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

static int add_self(struct expo *e, const struct scrape *s, double seconds, size_t domains)
{
	static const struct expo_desc duration = {EXPO_FAMILY_PREFIX_SELF "scrape_duration_seconds",
						  EXPO_GAUGE, "seconds",
						  "time the last reading of the domains took"};
	static const struct expo_desc seen = {EXPO_FAMILY_PREFIX_SELF "domains", EXPO_GAUGE, "",
					      "domains read by the last reading"};
	static const struct expo_desc errors = {
		EXPO_FAMILY_PREFIX_SELF "scrape_errors", EXPO_COUNTER, "",
		"domains that could not be read, over every reading since serve started"};
	char v[3][32];

	expo_double(seconds, v[0], sizeof(v[0]));
	snprintf(v[1], sizeof(v[1]), "%zu", domains);
	snprintf(v[2], sizeof(v[2]), "%llu", (unsigned long long)s->errors);
	return expo_add(e, &duration, NULL, 0, v[0], 0) < 0 ||
			       expo_add(e, &seen, NULL, 0, v[1], 0) < 0 ||
			       expo_add(e, &errors, NULL, 0, v[2], s->started) < 0
		       ? -1
		       : 0;
}

/* Collects the domains and serve's own metrics into e; -1 when out of memory. */
static int collect(struct scrape *s, struct expo *e)
{
	double start = tool_now();
	struct metrics_stats st;
	char **found = NULL;
	size_t nfound = 0;
	int rc;

	if (!s->targets && domdir_discover(&found, &nfound) != 0)
		s->errors++;
	rc = metrics_collect(e, s->targets ? s->targets : found, s->targets ? s->ntargets : nfound,
			     &s->opts, &s->keep, &st);
	domdir_free_paths(found, nfound);
	s->errors += st.failed;
	return rc < 0 ? -1 : add_self(e, s, tool_now() - start, st.domains);
}

struct shared_body *scrape_take(void *arg)
{
	struct scrape *s = arg;
	struct shared_body *b = calloc(1, sizeof(*b));
	struct renderings *r = calloc(1, sizeof(*r));
	struct expo e = {0};
	int rc;

	if (!b || !r) {
		free(b);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	b->refs = 1;
	b->extra = r;
	b->extra_free = renderings_free;
	logonce_begin();
	rc = collect(s, &e);
	logonce_end();
	if (rc == 0)
		rc = render(&e, EXPO_TEXT, &b->data, &b->len);
	if (rc == 0)
		rc = render(&e, EXPO_OPENMETRICS, &r->om, &r->omlen);
	expo_free(&e);
	if (rc != 0) {
		shared_put(b);
		return NULL;
	}
	return b;
}

int scrape_variant(struct shared_body *b, enum expo_format fmt, bool gzip, const char **data,
		   size_t *len)
{
	struct renderings *r = b->extra;
	int i = fmt == EXPO_OPENMETRICS, rc = 0;

	if (!gzip) {
		*data = i ? r->om : b->data;
		*len = i ? r->omlen : b->len;
		return 0;
	}
	pthread_mutex_lock(&r->lock);
	if (!r->gz[i])
		rc = gz_compress(i ? r->om : b->data, i ? r->omlen : b->len, &r->gz[i],
				 &r->gzlen[i]);
	*data = r->gz[i];
	*len = r->gzlen[i];
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void scrape_free(struct scrape *s)
{
	metrics_keep_free(&s->keep);
	logonce_free();
}
