/* Filling in a new domain's header, struct pcpu table and chunk 0; ready comes last. */
#include "domain/domain.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/publish.h"

#define TOC(type, field)                                                \
	{                                                               \
		type, (uint16_t)offsetof(struct pcpu_dom_header, field) \
	}

static const struct pcpu_dom_toc toc[] = {
	TOC(DOMTYPE_MAGIC, magic),
	TOC(DOMTYPE_VERSION, version_major), /* with version_minor: one 4-byte value */
	TOC(DOMTYPE_MAXCPU, maxcpu),
	TOC(DOMTYPE_STRIDE, stride),
	TOC(DOMTYPE_WRITER_BASE, writer_base),
	TOC(DOMTYPE_FILE_SIZE, file_size),
	TOC(DOMTYPE_PCPU_OFF, pcpu_off),
	TOC(DOMTYPE_SYM_OFF, sym_off),
	TOC(DOMTYPE_SYM_COUNT, sym_count),
	TOC(DOMTYPE_WRITER_PID, writer_pid),
	TOC(DOMTYPE_WRITER_START, writer_start),
	TOC(DOMTYPE_PROGNAME, progname),
	TOC(DOMTYPE_READY, ready),
	TOC(DOMTYPE_NAME, name),
	TOC(DOMTYPE_PROC_OFF, proc_off),
	TOC(DOMTYPE_PROC_CAP, proc_cap),
	TOC(DOMTYPE_META_OFF, meta_off),
	TOC(DOMTYPE_META_CAP, meta_cap),
};

static int init_lock(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int err = pthread_mutexattr_init(&a);

	if (err != 0)
		return err;
	err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (err == 0)
		err = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (err == 0)
		err = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return err;
}

/* The magic as one aligned 8-byte release store (offset 128). */
static void store_magic_release(struct pcpu_dom_header *h)
{
	uint64_t m;

	memcpy(&m, PCPU_DOM_MAGIC, sizeof(m));
	__atomic_store_n((uint64_t *)(void *)h->magic, m, __ATOMIC_RELEASE);
}

static void fill_identity(struct pcpu_dom_header *h, const struct pcpu_domain *d)
{
	const struct pcpu_layout *lay = &d->lay;
	struct timespec now;

	/* Informational since format 2: liveness is the holders' locks (domain_format.h). */
	h->writer_pid = (int32_t)getpid();
	h->writer_start = pcpu_proc_start_time(getpid());
	store_magic_release(h);
	memcpy(h->name, d->name, sizeof(h->name));
	h->proc_off = lay->proc_off;
	h->proc_cap = PCPU_PROC_CAP;
	h->meta_off = lay->meta_off;
	h->meta_cap = PCPU_SYM_CAP;
	memcpy(h->toc, toc, sizeof(toc));
	h->version_major = PCPU_DOM_VERSION_MAJOR;
	h->version_minor = PCPU_DOM_VERSION_MINOR;
	h->hdr_size = PCPU_DOM_HDR_SIZE;
	h->page_size = (uint32_t)lay->page;
	h->maxcpu = lay->maxcpu;
	h->pcpu_size = sizeof(struct pcpu);
	h->stride = lay->stride;
	h->pcpu_off = lay->pcpu_off;
	h->sym_off = lay->sym_off;
	h->sym_cap = PCPU_SYM_CAP;
	clock_gettime(CLOCK_REALTIME, &now);
	h->created_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	strncpy(h->progname, program_invocation_short_name, sizeof(h->progname) - 1);
}

/*
 * Chunk 0 starts with the DPCPU reserve: every CPU's DPCPU block is the same
 * allocation's copy for that CPU, so pc_dynamic of CPU i is dpcpu_addr + i * stride.
 */
static int init_arena(struct pcpu_domain *d)
{
	struct pcpu_dom_header *h = d->hdr;
	struct pcpu *table = (struct pcpu *)(d->base + d->lay.pcpu_off);
	char *dpcpu;

	h->chunk_off[0] = pcpu_chunk_off(&d->lay, 0);
	h->nchunks = 1;
	h->file_size = pcpu_chunk_off(&d->lay, 1);
	pcpu_arena_init_chunk(d, 0);
	dpcpu = pcpu_arena_alloc(d, PCPU_DPCPU_RESERVE, PCPU_SYM_ZPCPU);
	if (dpcpu == NULL)
		return errno;
	h->dpcpu_addr = (uint64_t)(uintptr_t)dpcpu;
	h->dpcpu_size = PCPU_DPCPU_RESERVE;
	for (unsigned int c = 0; c < d->lay.maxcpu; c++)
		table[c].pc_dynamic = h->dpcpu_addr + (uint64_t)c * d->lay.stride;
	return 0;
}

int pcpu_domain_init_header(struct pcpu_domain *d)
{
	struct pcpu_dom_header *h = d->hdr;
	int err;

	fill_identity(h, d);
	h->writer_base = (uint64_t)(uintptr_t)d->base;
	pcpu_topology_fill((struct pcpu *)(d->base + d->lay.pcpu_off), d->lay.maxcpu);
	err = init_lock(&pcpu_dom_priv(d)->lock);
	if (err == 0)
		err = init_arena(d);
	if (err != 0)
		return errno = err, -1;
	pcpu_pub_ready(h); /* the last store: a reader acquires it before the rest */
	return 0;
}
