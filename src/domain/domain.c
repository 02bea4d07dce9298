/*
 * The process's domain: created or attached on first use (a constructor counts), or at
 * pcpu_domain_attach(); shared with forked children; held by every process that uses it
 * and removed at the normal exit of the last (procs.c) unless PCPU_KEEP=1.
 */
#include "domain/domain.h"

#include <pcpu/pcpu.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/percpu.h"
#include "kcpuset/maxcpu.h"

static struct pcpu_domain the_domain = {.fd = -1, .slot = -1};
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;
static int domain_errno; /* why pcpu_domain_get() has no domain, 0 when it has one */

/* What pcpu_domain_attach() asked for before the domain existed; else the environment. */
static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;
static char *request_spec, *request_group;
static int requested, started, request_used;

static void leave_at_exit(void)
{
	pcpu_holders_leave(&the_domain);
}

static void fork_prepare(void)
{
	pcpu_holders_fork_prepare(&the_domain);
}

static void fork_parent(void)
{
	pcpu_holders_fork_parent(&the_domain);
}

static void fork_child(void)
{
	pcpu_holders_fork_child(&the_domain);
}

static int open_shared(struct pcpu_domain *d)
{
	const char *spec, *group;
	int err;

	pthread_mutex_lock(&request_lock);
	started = 1;
	request_used = requested;
	spec = requested ? request_spec : getenv("PCPU_DOMAIN");
	group = requested ? request_group : getenv("PCPU_GROUP");
	err = pcpu_domain_locate(d, spec, group);
	pthread_mutex_unlock(&request_lock);

	if (err != 0)
		return errno = err, -1;
	return pcpu_domain_open_file(d);
}

static void domain_create(void)
{
	struct pcpu_domain *d = &the_domain;
	long page = sysconf(_SC_PAGESIZE);

	pcpu_layout_compute(&d->lay, pcpu_maxcpu(), page > 0 ? (size_t)page : 4096);
	d->shared = open_shared(d) == 0;
	if (!d->shared) {
		d->error = errno;
		if (pcpu_domain_map_private(d) != 0) {
			domain_errno = errno;
			return;
		}
	}
	if ((!d->shared || d->created) && pcpu_domain_init_header(d) != 0)
		domain_errno = errno;
	if (d->shared)
		pcpu_holders_done(d);
	if (domain_errno != 0)
		return;
	pcpu_percpu_setup(d->lay.stride, d->lay.maxcpu);
	if (d->shared) {
		atexit(leave_at_exit);
		pthread_atfork(fork_prepare, fork_parent, fork_child);
	}
}

struct pcpu_domain *pcpu_domain_get(void)
{
	pthread_once(&domain_once, domain_create);
	if (domain_errno != 0) {
		errno = domain_errno;
		return NULL;
	}
	return &the_domain;
}

/* Whether the domain this process has is the one spec asks for: made for that very
 * request (even when it had to be private), or found under that name or path. */
static int is_domain(const struct pcpu_domain *d, const char *spec)
{
	if (request_used &&
	    strcmp(spec != NULL ? spec : "", request_spec != NULL ? request_spec : "") == 0)
		return 1;
	if (spec == NULL || *spec == '\0')
		return d->per_process;
	if (strchr(spec, '/') != NULL)
		return strcmp(spec, d->path) == 0;
	return strcmp(spec, d->name) == 0;
}

int pcpu_domain_attach(const char *domain, const char *group)
{
	struct pcpu_domain *d;
	int err = 0;

	pthread_mutex_lock(&request_lock);
	if (!started) {
		free(request_spec);
		free(request_group);
		request_spec = domain != NULL ? strdup(domain) : NULL;
		request_group = group != NULL ? strdup(group) : NULL;
		requested = 1;
		if ((domain != NULL && request_spec == NULL) ||
		    (group != NULL && request_group == NULL))
			err = ENOMEM;
	}
	pthread_mutex_unlock(&request_lock);
	if (err != 0)
		return errno = err, -1;
	d = pcpu_domain_get();
	if (d == NULL)
		return -1;
	if (!is_domain(d, domain))
		return errno = EBUSY, -1;
	if (!d->shared)
		return errno = d->error, -1;
	return 0;
}

int pcpu_domain_contains(struct pcpu_domain *d, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)d->base;
	uint64_t used = __atomic_load_n(&d->hdr->file_size, __ATOMIC_ACQUIRE);

	return a >= lo && len <= used && a - lo <= used - len;
}
