/* Saying each message once per change. */
#include "logonce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

struct lines {
	char **v;
	size_t n;
};

static struct lines prev, cur;

static void hold(const char *line)
{
	char **v = realloc(cur.v, (cur.n + 1) * sizeof(*v));
	char *copy = strdup(line);

	if (!v || !copy) {
		if (v)
			cur.v = v;
		free(copy);
		fprintf(stderr, "%s\n", line); /* cannot be held: said now, maybe again */
		return;
	}
	cur.v = v;
	cur.v[cur.n++] = copy;
}

static void clear(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int held_before(const char *line)
{
	for (size_t i = 0; i < prev.n; i++)
		if (strcmp(prev.v[i], line) == 0)
			return 1;
	return 0;
}

void logonce_begin(void)
{
	tool_err_sink(hold);
}

void logonce_end(void)
{
	tool_err_sink(NULL);
	for (size_t i = 0; i < cur.n; i++)
		if (!held_before(cur.v[i]))
			fprintf(stderr, "%s\n", cur.v[i]);
	clear(&prev);
	prev = cur;
	cur = (struct lines){0};
}

void logonce_free(void)
{
	clear(&prev);
	clear(&cur);
}
