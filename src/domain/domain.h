/*
 * The process's domain: where it is mapped, how it is laid out, and the internal calls
 * the other domain files and src/counter use. See doc/domain-format.md for the bytes.
 */
#ifndef PCPU_DOMAIN_DOMAIN_H
#define PCPU_DOMAIN_DOMAIN_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/domain_format.h"

/*
 * The zpcpu stride: 16 KiB, or the page size when that is larger (arm64 with 64 KiB
 * pages). 16 KiB gives each CPU room for the DPCPU reserve plus about 1,400 counters in
 * chunk 0 and 2,000 in every further chunk, while a chunk of a 4096-CPU domain stays at
 * 64 MiB of file; each CPU's copy sits on its own pages, so CPUs never share a cache line.
 */
#define PCPU_STRIDE_MIN 16384u
#define PCPU_SYM_CAP 4096u	 /* symbol entries: 512 KiB of file, ample for 1000s */
#define PCPU_DPCPU_RESERVE 4096u /* bytes per CPU kept at the start of chunk 0 for DPCPU */
#define PCPU_GRANULE 8u		 /* allocation unit of the zpcpu arena */

/* Geometry of a domain, fixed at creation. Offsets are file offsets. */
struct pcpu_layout {
	size_t page;
	size_t stride;
	unsigned int maxcpu;
	size_t pcpu_off;
	size_t sym_off;
	size_t chunk0_off;
	size_t chunk_len; /* maxcpu * stride */
	size_t map_len;	  /* bytes of allocation map at the start of each chunk (CPU 0) */
	size_t reserve;	  /* address space for the largest file: all chunks */
};

/* The writer's allocator state, kept in the header's writer_private area so that forked
 * children allocating in the same domain share it. */
struct pcpu_dom_private {
	pthread_mutex_t lock; /* robust, process-shared; guards the arena and the symbols */
	uint32_t dpcpu_used;  /* bytes of the DPCPU reserve handed to DPCPU sets */
};
_Static_assert(sizeof(struct pcpu_dom_private) <= 2048, "fits writer_private");

struct pcpu_domain {
	char *base; /* writer_base: file offset 0 */
	struct pcpu_dom_header *hdr;
	struct pcpu_layout lay;
	int fd;	    /* the domain file, -1 for private memory */
	int shared; /* 1 when file-backed and visible to readers */
	int error;  /* errno of the failed file creation when !shared */
	pid_t creator;
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
};

/* The process's domain, created on first use (thread-safe); NULL with errno only when
 * not even private memory could be mapped. */
struct pcpu_domain *pcpu_domain_get(void);

void pcpu_layout_compute(struct pcpu_layout *lay, unsigned int maxcpu, size_t page);
static inline size_t pcpu_chunk_off(const struct pcpu_layout *lay, unsigned int k)
{
	return lay->chunk0_off + (size_t)k * lay->chunk_len;
}

/* Creation steps (create.c, header.c, topology.c). */
int pcpu_domain_open_file(struct pcpu_domain *d);
int pcpu_domain_map_private(struct pcpu_domain *d);
int pcpu_domain_init_header(struct pcpu_domain *d);
void pcpu_topology_fill(struct pcpu *table, unsigned int maxcpu);
uint64_t pcpu_proc_start_time(pid_t pid);

/* Extends the file to new_size bytes with backing store reserved (so a full /dev/shm is
 * an error now rather than SIGBUS later). 0 or an errno value. */
int pcpu_domain_extend(struct pcpu_domain *d, size_t old_size, size_t new_size);

/* The robust allocation lock (arena.c); 0 or an errno value. */
int pcpu_dom_lock(struct pcpu_domain *d);
void pcpu_dom_unlock(struct pcpu_domain *d);
struct pcpu_dom_private *pcpu_dom_priv(struct pcpu_domain *d);

/* Arena (arena.c). Kinds are the PCPU_SYM_* values COUNTER and ZPCPU. */
void *pcpu_arena_alloc(struct pcpu_domain *d, size_t size, int kind);
/* Frees the allocation of that kind (COUNTER or ZPCPU) starting at base; 0 or EINVAL. */
int pcpu_arena_free(struct pcpu_domain *d, void *base, int kind);
/* The kind (PCPU_SYM_COUNTER, PCPU_SYM_ZPCPU) and size of the allocation that starts at
 * addr, or 0 when none does. Caller holds the lock. */
int pcpu_arena_lookup(struct pcpu_domain *d, const void *addr, size_t *size);
void pcpu_arena_init_chunk(struct pcpu_domain *d, unsigned int k);

/* Symbols (symtab.c). Caller holds the lock. */
int pcpu_sym_add_locked(struct pcpu_domain *d, const char *name, uint64_t addr, uint64_t size,
			uint32_t kind, uint32_t flags);
void pcpu_sym_drop_range_locked(struct pcpu_domain *d, uint64_t lo, uint64_t hi);

/* 1 when [addr, addr + len) lies in the part of the domain in use. */
int pcpu_domain_contains(struct pcpu_domain *d, const void *addr, size_t len);

#endif
