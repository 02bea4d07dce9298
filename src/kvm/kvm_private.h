/*
 * The kvm handle and the helpers shared by the files of src/kvm (see kvm(3)).
 *
 * kvm.c          open, close, errors, kvm_read, the cache generation
 * kvm_header.c   validation of a domain header into struct kvm_layout
 * kvm_domain.c   the domain target: open, map, grow, translate, copy words
 * kvm_guard.c    recovery from SIGBUS when a mapped file shrinks
 * kvm_kernel.c   the running Linux kernel through /proc and /sys (corefile NULL)
 * kvm_nlist.c    kvm_nlist
 * kvm_pcpu.c     the per-CPU functions of kvm_getpcpu(3)
 * kvm_procs.c    the domain's state and the processes holding it (kvm_getdominfo(3))
 * kvm_args.c     kvm_getdomargv
 * kvm_snapshot.c kvm_snapshot
 * kvm_syms.c     symbol checks, kvm_walk_syms, kvm_sym_total
 * kvm_meta.c     kvm_sym_meta: a symbol's metric metadata
 * kvm_target.c   the table of each target (struct kvm_target_ops)
 * kvm_trust.c    which files a reader opens (doc/security.md, "Readers")
 *
 * A handle is used by one thread at a time, as in FreeBSD.
 */
#ifndef PCPU_KVM_KVM_PRIVATE_H
#define PCPU_KVM_KVM_PRIVATE_H

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <pcpu/kvm.h>

#include "format/domain_format.h"

/*
 * What differs between the targets, as FreeBSD's struct kvm_arch: a domain file (live,
 * post-mortem or a snapshot) and, for corefile NULL, the running kernel through /proc
 * and /sys (kvm_target.c). The calls that only a domain can answer (its symbols, reads,
 * snapshots, holders) check has_domain.
 */
struct kvm_target_ops {
	const char *name;
	int has_domain;
	int (*open)(kvm_t *kd, const char *corefile);
	void (*close)(kvm_t *kd);
	/* Re-reads what the handle caches (layout or CPU count): 0 or -1. */
	int (*reload)(kvm_t *kd);
	/* CPU slots, from the cache. */
	unsigned int (*maxcpu)(const kvm_t *kd);
	/* Fills *pc for cpu < maxcpu: 1 when the CPU is active, 0 when not, -1 on error. */
	int (*pcpu)(kvm_t *kd, unsigned int cpu, struct pcpu *pc);
	/* Active CPUs, or -1. */
	int (*ncpus)(kvm_t *kd);
	/* CPU time per state summed over CPUs: 0 or -1. */
	int (*cptime)(kvm_t *kd, long *cp_time);
};
extern const struct kvm_target_ops kvm_domain_ops, kvm_kernel_ops;

/*
 * The immutable header fields of a domain, copied out of the file and validated once
 * (kvm_header.c). Nothing else re-reads them from the mapping, so a writer that rewrites
 * its header after we checked it cannot make us use an unchecked value.
 */
struct kvm_layout {
	uint32_t maxcpu;
	uint32_t page_size;
	uint32_t pcpu_size;
	uint32_t flags;
	uint32_t sym_cap;
	uint32_t nchunks; /* chunks known and checked; grows as the writer adds chunks */
	uint64_t stride;
	uint64_t writer_base;
	uint64_t pcpu_off;
	uint64_t sym_off;
	uint64_t dpcpu_addr;
	uint64_t dpcpu_size;
	uint64_t chunk_off[PCPU_DOM_MAX_CHUNKS];
	uint64_t proc_off;
	uint32_t proc_cap;
	uint32_t meta_cap; /* == sym_cap; 0 when meta_off is 0 */
	uint64_t meta_off; /* 0: no metadata table (format 2.0) */
	int32_t writer_pid;
	uint64_t writer_start;
	uint64_t created_ns;
	uint64_t snapshot_ns;
	char name[PCPU_DOM_NAME_MAX];	      /* NUL-terminated (checked) */
	char progname[PCPU_DOM_PROGNAME_MAX]; /* NUL-terminated (checked) */
};

struct __kvm {
	const struct kvm_target_ops *ops;
	int fd;	     /* the domain file, -1 for the kernel target; its holder
			locks are tested through it (kvm_procs.c) */
	uid_t owner; /* the domain file's owner */
	dev_t dev;   /* and its identity */
	ino_t ino;
	const unsigned char *map; /* the file mapped read-only from offset 0 */
	size_t maplen;		  /* bytes mapped, a multiple of the page size */
	uint64_t limit;		  /* readable bytes: min(file_size, size of the file) */
	struct kvm_layout lay;	  /* domain target: valid while cache_gen is current */
	unsigned int kmaxcpu;	  /* kernel target: possible CPUs, same caching */
	unsigned int cache_gen;	  /* kvm_cache_gen value the cached fields belong to */
	unsigned int dpcpu_cpu;	  /* CPU chosen by kvm_dpcpu_setcpu, default 0 */
	int broken;		  /* the file shrank under the mapping: every call fails */
	struct kvm_guard *guard;  /* held while map is set (kvm_guard.c) */
	/* The last zpcpu allocation checked (base, bytes per CPU, file offset), so that a
	 * program polling one counter pays for the checks once; 0 bytes when none. */
	struct {
		uint64_t base, size, off;
	} zpcpu_seen;
	struct kvm_dominfo dominfo; /* kvm_getdominfo's answer */
	struct kvm_domproc *procs;  /* kvm_getdomprocs's answer: proc_cap entries */
	char *argbuf;		    /* kvm_getdomargv's answer: the strings */
	char **argv;		    /* and the array */
	char errbuf[_POSIX2_LINE_MAX];
};

/*
 * Formats a message into kd->errbuf (kvm_geterr) and sets errno to errnum. Every error
 * of the library goes through here; nothing is printed.
 */
void kvm_err(kvm_t *kd, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kvm_verr(kvm_t *kd, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* [off, off + len) lies inside [0, limit), without overflow. */
static inline int kvm_inside(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

/* CPU slots of the target, from the cache (kvm_cache_check first). */
static inline unsigned int kvm_maxcpu(const kvm_t *kd)
{
	return kd->ops->maxcpu(kd);
}

/* Fails with ENOTSUP and a message naming fn when kd is the kernel target: 0 or -1. */
int kvm_need_domain(kvm_t *kd, const char *fn);

/*
 * Makes the cached layout (domain) or CPU count (kernel) current: after a call with
 * kd == NULL to kvm_getpcpu or kvm_dpcpu_setcpu, the next use re-reads and re-validates
 * it. Fails for a broken handle. 0, or -1 with the error set. Every entry point that
 * reads the target calls it first.
 */
extern unsigned int kvm_cache_gen;
int kvm_cache_reload(kvm_t *kd);
static inline int kvm_cache_check(kvm_t *kd)
{
	if (kd->cache_gen == __atomic_load_n(&kvm_cache_gen, __ATOMIC_RELAXED) && !kd->broken)
		return 0;
	return kvm_cache_reload(kd);
}
void kvm_cache_clear_all(void);

/* kvm_header.c: validates a private copy of a header against a file of file_len bytes
 * and fills *lay. 0, or -1 with the error set. */
int kvm_header_load(kvm_t *kd, const struct pcpu_dom_header *h, uint64_t file_len,
		    struct kvm_layout *lay);
/* Checks that a symbol entry copied out of the file is usable: 0, or -1 with the error. */
int kvm_sym_check(kvm_t *kd, uint32_t index, const struct pcpu_dom_sym *sym);

/* kvm_syms.c. Our kinds: DPCPU variables, counters, pcpu_register()ed objects, zpcpu
 * allocations, histograms; a reader skips any other (a freed entry, a kind of a newer
 * minor). */
static inline int kvm_sym_known(uint32_t kind)
{
	return kind == PCPU_SYM_DPCPU || kind == PCPU_SYM_COUNTER || kind == PCPU_SYM_OBJECT ||
	       kind == PCPU_SYM_ZPCPU || kind == PCPU_SYM_HISTOGRAM;
}
/* Checks a known entry's address against the domain (a DPCPU variable inside the DPCPU
 * block, a counter or zpcpu allocation inside a zpcpu chunk, an object inside the file)
 * and gives its N_* type, N_UNDF for an unknown kind. 0, or -1 with the error set. */
int kvm_sym_resolve(kvm_t *kd, const struct pcpu_dom_sym *sym, unsigned char *type);
/* The start of a call fn that reads the symbol table: kd is not NULL and the caller's
 * arguments are ok (else EINVAL), kd is a domain, its cache is current; *count is the
 * live sym_count. 0 or -1. */
int kvm_symtab(kvm_t *kd, int args_ok, const char *fn, uint32_t *count);

/* kvm_trust.c: opens path read-only when the reader may trust it (kvm(3), "Trust") and
 * sets kd->fd and kd->owner. 0, or -1 with the error set naming the rule that failed. */
int kvm_trust_open(kvm_t *kd, const char *path);

/* kvm_domain.c */
int kvm_domain_open(kvm_t *kd, const char *path);
void kvm_domain_close(kvm_t *kd);
/* Re-validates the header of the opened file into kd->lay. */
int kvm_domain_reload(kvm_t *kd);
/*
 * Makes [off, off + len) of the file readable through kd->map, growing the mapping when
 * the live writer has grown the file; fails (EFAULT, message naming what) when the range
 * is not inside the domain. 0 or -1.
 */
int kvm_domain_span_grow(kvm_t *kd, uint64_t off, uint64_t len, const char *what);
static inline int kvm_domain_span(kvm_t *kd, uint64_t off, uint64_t len, const char *what)
{
	if (kvm_inside(off, len, kd->limit))
		return 0;
	return kvm_domain_span_grow(kd, off, len, what);
}
/* Translates a writer address of len bytes into a file offset inside the domain. */
int kvm_domain_addr(kvm_t *kd, uint64_t addr, uint64_t len, const char *what, uint64_t *off);
/*
 * Copies [off, off + len), already checked by kvm_domain_span, with aligned 8-byte
 * atomic loads so that each value a live writer updates is seen whole, recovering from
 * a SIGBUS. 0 or -1.
 */
int kvm_domain_copy(kvm_t *kd, uint64_t off, void *dst, size_t len);
/* A little-endian integer of size 1, 2, 4 or 8 bytes at file offset off (span checked),
 * widened to 64 bits with its sign when is_signed; one per CPU slot (at off + i *
 * stride) when percpu. */
struct kvm_intref {
	uint64_t off;
	unsigned char size, is_signed, percpu;
	/* 0, or a counter or histogram word: value minus the adjustment that many uint64_t
	 * after it (domain_format.h) */
	unsigned char adj;
};
/* sums[k] = the value of ref[k], or the sum of its copies over every CPU slot (cpu < 0)
 * or the copy of CPU slot cpu, modulo 2^64. 0 or -1. */
int kvm_domain_sums(kvm_t *kd, const struct kvm_intref *ref, size_t n, int cpu, uint64_t *sums);
/* The aligned 4-byte value at offset off, loaded with acquire ordering. */
int kvm_domain_load_acquire32(kvm_t *kd, uint64_t off, uint32_t *v);
/* Sums the uint64_t at off + i * stride over every CPU slot i (span checked). 0 or -1. */
int kvm_domain_sum(kvm_t *kd, uint64_t off, uint64_t *sum);
/* The header fields a live writer changes, loaded with acquire and range-checked. */
struct kvm_live {
	uint64_t file_size;
	uint32_t sym_count; /* <= sym_cap */
	uint32_t nchunks;   /* <= PCPU_DOM_MAX_CHUNKS */
};
int kvm_domain_live(kvm_t *kd, struct kvm_live *live);
/* Copies the symbol entry index (< the live sym_count) and checks it. */
int kvm_domain_sym(kvm_t *kd, uint32_t index, struct pcpu_dom_sym *sym);
/* Copies metadata entry index (< sym_cap, lay.meta_off not 0), unchecked. */
int kvm_domain_meta(kvm_t *kd, uint32_t index, struct pcpu_dom_meta *meta);
/*
 * Translates the base of a zpcpu allocation of size bytes per CPU into the file offset of
 * CPU 0's copy, checking that it lies in a zpcpu chunk and that no copy runs into the
 * next CPU's, and maps the whole chunk.
 */
int kvm_domain_zpcpu(kvm_t *kd, uint64_t base, uint64_t size, uint64_t *off);

/*
 * kvm_guard.c: recovery from SIGBUS on a mapping that lost pages. A handle that maps a
 * file holds a guard slot (kd->guard); loads from kd->map are made between kvm_guard_arm
 * and kvm_guard_disarm; disarm returns 1 when a page was lost meanwhile (the loads read
 * zeros from there on), and the caller then fails with EIO. The fields are atomics because
 * the handler walks every slot, and may run on any thread.
 */
struct kvm_guard {
	uintptr_t lo; /* the mapping being read */
	size_t len;
	int armed;
	int faulted;
	int used; /* the slot belongs to a handle */
};
/* A free slot, installing the SIGBUS handler on the first call; NULL with ENOMEM. */
struct kvm_guard *kvm_guard_acquire(void);
void kvm_guard_release(struct kvm_guard *g);

/* The handler that matters runs on this thread, between these stores and loads: the
 * signal fences keep the guarded loads between arm and disarm. */
static inline void kvm_guard_arm(struct kvm_guard *g, const void *lo, size_t len)
{
	__atomic_store_n(&g->lo, (uintptr_t)lo, __ATOMIC_RELAXED);
	__atomic_store_n(&g->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&g->faulted, 0, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&g->armed, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline int kvm_guard_disarm(struct kvm_guard *g)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&g->armed, 0, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&g->faulted, __ATOMIC_RELAXED);
}

/* kvm_pcpu.c: the domain's struct pcpu table, as kvm_target_ops wants it. */
int kvm_domain_pcpu(kvm_t *kd, unsigned int cpu, struct pcpu *pc);
int kvm_domain_ncpus(kvm_t *kd);
int kvm_domain_cptime(kvm_t *kd, long *cp_time);

/* kvm_kernel.c: the kernel's, the same way; kvm_kernel_reload re-reads kd->kmaxcpu. */
int kvm_kernel_reload(kvm_t *kd);
int kvm_kernel_ncpus(kvm_t *kd);
int kvm_kernel_pcpu(kvm_t *kd, unsigned int cpu, struct pcpu *pc);
int kvm_kernel_cptime(kvm_t *kd, long *cp_time);

#endif
