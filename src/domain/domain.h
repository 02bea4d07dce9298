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
#include "sys/proc.h"

/*
 * The zpcpu stride: 16 KiB, or the page size when that is larger (arm64 with 64 KiB
 * pages). 16 KiB gives each CPU room for the DPCPU reserve plus about 1,400 counters in
 * chunk 0 and 2,000 in every further chunk, while a chunk of a 4096-CPU domain stays at
 * 64 MiB of file; each CPU's copy sits on its own pages, so CPUs never share a cache line.
 */
#define PCPU_STRIDE_MIN 16384u
#define PCPU_SYM_CAP 4096u	 /* symbol entries: 512 KiB of file (and 4 MiB of metadata) */
#define PCPU_DPCPU_RESERVE 4096u /* bytes per CPU kept at the start of chunk 0 for DPCPU */
#define PCPU_GRANULE 8u		 /* allocation unit of the zpcpu arena */
#define PCPU_PROC_CAP 1024u	 /* process slots: 64 KiB of file */

/* Geometry of a domain, fixed at creation. Offsets are file offsets. */
struct pcpu_layout {
	size_t page;
	size_t stride;
	unsigned int maxcpu;
	size_t pcpu_off;
	size_t sym_off;
	size_t proc_off;
	size_t meta_off; /* PCPU_SYM_CAP metadata entries, one per symbol entry */
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
	/* Live symbols that may name the inside of a zpcpu allocation (symtab.c): while
	 * there are none, a free needs no symbol dropped and may go to a thread's cache. */
	uint32_t zpcpu_syms;
};
_Static_assert(sizeof(struct pcpu_dom_private) <= 2048, "fits writer_private");

struct pcpu_domain {
	char *base; /* writer_base: file offset 0 */
	struct pcpu_dom_header *hdr;
	struct pcpu_layout lay;
	int fd;		 /* the domain file (this process's own open file description), or -1 */
	int shared;	 /* 1 when file-backed and visible to readers */
	int created;	 /* 1 when this process created the file, 0 when it attached */
	int per_process; /* 1 for the default domain of one process (not named, no path) */
	int error;	 /* errno of the failed file creation when !shared */
	int slot;	 /* this process's slot in the process table, -1 when it has none */
	gid_t group;	 /* the group that may read, (gid_t)-1 for the owner only */
	dev_t dev;
	ino_t ino;
	char name[PCPU_DOM_NAME_MAX]; /* "" for a per-process domain or an explicit path */
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

/*
 * Where the domain is (path.c): spec is a name, a path (it has a slash) or NULL for a
 * per-process domain; group a group name or number, or NULL. Fills d->path, d->name and
 * d->group and makes sure the per-user directory exists and is safe. 0 or an errno value.
 */
int pcpu_domain_locate(struct pcpu_domain *d, const char *spec, const char *group);
/* 0 when name may name a domain, else EINVAL. */
int pcpu_domain_name_valid(const char *name);

/*
 * Creation steps. open_file (create.c) creates the file or attaches to the one at d->path
 * (attach.c), maps it and returns holding the gate and a slot (procs.c); the caller
 * initialises a created header, then calls pcpu_holders_done(). On failure nothing is
 * held, nothing is mapped, errno says why, and map_private gives the same layout in
 * memory of this process's own (named after the reason in /proc/PID/maps).
 */
int pcpu_domain_open_file(struct pcpu_domain *d);
int pcpu_domain_attach_file(struct pcpu_domain *d);
int pcpu_domain_map_private(struct pcpu_domain *d);
int pcpu_domain_init_header(struct pcpu_domain *d);
void pcpu_topology_fill(struct pcpu *table, unsigned int maxcpu);

/* Holding (procs.c). take_slot needs the gate; done releases it. leave runs at normal
 * exit: releases the slot and unlinks the file when it was the last holder (unless
 * PCPU_KEEP=1). The fork handlers give a forked child a slot of its own. */
int pcpu_holders_take_slot(struct pcpu_domain *d, uint32_t flags);
void pcpu_holders_done(struct pcpu_domain *d);
void pcpu_holders_leave(struct pcpu_domain *d);
void pcpu_holders_fork_prepare(struct pcpu_domain *d);
void pcpu_holders_fork_parent(struct pcpu_domain *d);
void pcpu_holders_fork_child(struct pcpu_domain *d);

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
/* Without the lock: the granules of the zpcpu allocation (not a counter, not the DPCPU
 * reserve) that starts at base when there are at most max, else 0. Exact for an
 * allocation the caller owns; any other answer only refuses. */
size_t pcpu_arena_granules(struct pcpu_domain *d, const void *base, size_t max);
/* 1 when addr lies in some CPU's copy of an arena chunk outside the DPCPU reserve. */
int pcpu_arena_holds(struct pcpu_domain *d, uint64_t addr);
void pcpu_arena_init_chunk(struct pcpu_domain *d, unsigned int k);

/* The same, caller holding the lock; take_locked leaves the copies as they are, for a
 * caller that zeroes every CPU's copy itself. */
void *pcpu_arena_alloc_locked(struct pcpu_domain *d, size_t size, int kind);
void *pcpu_arena_take_locked(struct pcpu_domain *d, size_t size, int kind);
int pcpu_arena_free_locked(struct pcpu_domain *d, void *base, int kind);

/*
 * Objects found by name (named.c), so that a process attaching to a domain, or a program
 * restarted, continues what is there: the allocation of kind (COUNTER, ZPCPU or
 * HISTOGRAM) listed under name with size, made (bytes per CPU) and listed now if there is
 * none, and described by meta unless it is NULL (pcpu_meta_build). NULL with errno:
 * EEXIST when the name stands for something else (another kind or size) or meta
 * conflicts with its family, EINVAL for a bad name, or the allocation's error.
 */
void *pcpu_named_alloc(const char *name, size_t bytes, size_t size, int kind, uint32_t flags,
		       const struct pcpu_dom_meta *meta);

/*
 * Symbols (symtab.c). Caller holds the lock. add_locked lists name, described by meta
 * (NULL: no metadata), both visible to readers at once: 0, or an errno value (EEXIST
 * also when meta conflicts with its family, see pcpu_meta_set_locked).
 */
const struct pcpu_dom_sym *pcpu_sym_find_locked(struct pcpu_domain *d, const char *name);
uint32_t pcpu_sym_index(struct pcpu_domain *d, const struct pcpu_dom_sym *s);
int pcpu_sym_add_locked(struct pcpu_domain *d, const char *name, uint64_t addr, uint64_t size,
			uint32_t kind, uint32_t flags, const struct pcpu_dom_meta *meta);

/*
 * Metadata (meta.c). build fills *out from a public description (bounds: a histogram's,
 * NULL for any other type): 0 or EINVAL. set_locked writes entry index for symbol name
 * whose entry has (or is about to have) seq sym_seq, or clears it when v is NULL: 0, or
 * EEXIST when another member of v's family has another type, unit or help, or the same
 * labels. get_locked gives the entry that describes symbol index now, or NULL.
 */
struct pcpu_metric;
int pcpu_meta_build(struct pcpu_dom_meta *out, const struct pcpu_metric *m, const uint64_t *bounds,
		    size_t nbounds);
int pcpu_meta_set_locked(struct pcpu_domain *d, uint32_t index, const char *name, uint64_t sym_seq,
			 const struct pcpu_dom_meta *v);
const struct pcpu_dom_meta *pcpu_meta_get_locked(struct pcpu_domain *d, uint32_t index);
void pcpu_sym_drop_range_locked(struct pcpu_domain *d, uint64_t lo, uint64_t hi);

/* 1 when [addr, addr + len) lies in the part of the domain in use. */
int pcpu_domain_contains(struct pcpu_domain *d, const void *addr, size_t len);

#endif
