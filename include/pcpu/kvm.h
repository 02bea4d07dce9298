/*
 * <pcpu/kvm.h> -- libkvm-style access to per-CPU data of another program.
 *
 * A "kernel" here is a program's pcpu domain: a live domain file, the file left by a
 * process that died, a snapshot, or (corefile NULL) the running Linux kernel as far as
 * /proc and /sys show it. Names, signatures and return conventions follow FreeBSD's
 * kvm(3), kvm_nlist(3), kvm_read(3) and kvm_getpcpu(3). See kvm(3).
 */
#ifndef PCPU_KVM_H
#define PCPU_KVM_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

/* kvm_getpcpu() returns a malloc'd struct pcpu; CP_* index its pc_cp_time[]. */
#include <pcpu/export.h>
#include <pcpu/pcpu_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kvm_openfiles() writes at most _POSIX2_LINE_MAX bytes (from <limits.h>) to errbuf. */

typedef struct __kvm kvm_t;

#ifndef PCPU_HAVE_STRUCT_NLIST
#define PCPU_HAVE_STRUCT_NLIST
/* Symbol lookup record, laid out as FreeBSD's a.out-style struct nlist. */
struct nlist {
	const char *n_name;   /* symbol name; a NULL or empty name ends the list */
	unsigned char n_type; /* N_UNDF when not found, else the kind (N_DATA...) */
	char n_other;
	short n_desc;
	unsigned long n_value; /* the writer's address of the symbol */
};
#endif

#define N_UNDF 0x00	 /* not found */
#define N_DATA 0x06	 /* a pcpu_register()ed object */
#define N_DPCPU 0x20	 /* a DPCPU variable: n_value is the selected CPU's copy */
#define N_COUNTER 0x22	 /* a counter(9): n_value is its base */
#define N_ZPCPU 0x24	 /* a named zpcpu allocation: n_value is its base */
#define N_HISTOGRAM 0x26 /* a histogram (pcpu_histogram(3)): n_value is its base */

/*
 * kvm(3). corefile: a domain file (live or post-mortem) or a snapshot, or NULL for the
 * running kernel through /proc and /sys. flags must be O_RDONLY; execfile and swapfile
 * are ignored. Nothing is printed: kvm_open's errstr is ignored and the message of a
 * failed open is kvm_geterr(NULL) (per thread); kvm_openfiles also copies it to errbuf.
 * A handle is used by one thread at a time.
 */
PCPU_EXPORT kvm_t *kvm_open(const char *execfile, const char *corefile, const char *swapfile,
			    int flags, const char *errstr);
PCPU_EXPORT kvm_t *kvm_openfiles(const char *execfile, const char *corefile, const char *swapfile,
				 int flags, char *errbuf);
PCPU_EXPORT int kvm_close(kvm_t *kd);
PCPU_EXPORT char *kvm_geterr(kvm_t *kd);

/* kvm_nlist(3): returns the number of names not found, -1 on error. */
PCPU_EXPORT int kvm_nlist(kvm_t *kd, struct nlist *nl);
/* kvm_read(3): nbytes, or -1 unless the whole range is inside the domain. */
PCPU_EXPORT ssize_t kvm_read(kvm_t *kd, unsigned long addr, void *buf, size_t nbytes);

/* Extensions: per-state CPU time summed over CPUs (FreeBSD's kvm_getcptime), and a
 * copy of the opened domain into a new snapshot file (kvm(3)). 0 or -1. */
PCPU_EXPORT int kvm_getcptime(kvm_t *kd, long *cp_time);
PCPU_EXPORT int kvm_snapshot(kvm_t *kd, const char *path);

/*
 * kvm_getpcpu(3). kvm_getpcpu returns a malloc'd struct pcpu, NULL for a CPU that is not
 * active, (void *)-1 on error; kvm_getpcpu(NULL, 0) and kvm_dpcpu_setcpu(NULL, 0) clear
 * the cache of every handle. kvm_counter_u64_fetch sums every CPU slot and returns 0 on
 * error with errno set: set errno = 0 before the call to tell an error from a zero.
 */
PCPU_EXPORT int kvm_dpcpu_setcpu(kvm_t *kd, unsigned int cpu);
PCPU_EXPORT int kvm_getmaxcpu(kvm_t *kd);
PCPU_EXPORT int kvm_getncpus(kvm_t *kd);
PCPU_EXPORT void *kvm_getpcpu(kvm_t *kd, int cpu);
PCPU_EXPORT ssize_t kvm_read_zpcpu(kvm_t *kd, unsigned long base, void *buf, size_t size, int cpu);
PCPU_EXPORT uint64_t kvm_counter_u64_fetch(kvm_t *kd, unsigned long base);

/*
 * kvm_walk_syms(3): every symbol of the domain, in table order, FreeBSD's kvm_walk_pages
 * for names. cb returns 0 to go on; a non-zero return stops the walk and is returned.
 * kvm_walk_syms returns 0 once every symbol was seen, -1 on error. kvm_sym_total sums
 * each of nsyms integer symbols (ks_flags & KVM_SYMF_INTEGER) over every CPU slot into
 * totals[] (an N_DATA one's one value), signed ones in two's complement, in one pass
 * over the slots: 0 or -1. kvm_sym_cpu gives the same symbols' values on CPU slot cpu
 * alone; for a counter both give what counter(9) counts, not a raw word.
 */
#define KVM_SYMNAMELEN 96 /* ks_name, with its NUL */

#define KVM_SYMF_INTEGER 0x1u /* an integer of ks_size 1, 2, 4 or 8 bytes */
#define KVM_SYMF_SIGNED 0x2u  /* a signed one */

struct kvm_sym {
	char ks_name[KVM_SYMNAMELEN];
	unsigned char ks_type; /* N_DATA, N_DPCPU, N_COUNTER, N_ZPCPU or N_HISTOGRAM */
	unsigned int ks_flags; /* KVM_SYMF_*; a counter is an unsigned 8-byte integer */
	size_t ks_size;	       /* bytes, per CPU for all but N_DATA */
	unsigned long ks_addr; /* the writer's address: CPU 0's copy, or the base */
	unsigned int ks_index; /* its entry in the symbol table (kvm_sym_meta's hint) */
};

typedef int kvm_walk_syms_cb_t(const struct kvm_sym *ks, void *closure);
PCPU_EXPORT int kvm_walk_syms(kvm_t *kd, kvm_walk_syms_cb_t *cb, void *closure);
PCPU_EXPORT int kvm_sym_total(kvm_t *kd, const struct kvm_sym *ks, size_t nsyms, uint64_t *totals);
PCPU_EXPORT int kvm_sym_cpu(kvm_t *kd, const struct kvm_sym *ks, size_t nsyms, int cpu,
			    uint64_t *values);

/*
 * kvm_sym_meta(3): the metric metadata the writer gave a symbol (pcpu_metric(3)): type,
 * family, unit, help, labels, scale and, for a histogram, its bucket bounds. A symbol
 * without any gets the defaults: KVM_METRIC_COUNTER for N_COUNTER, KVM_METRIC_UNTYPED
 * otherwise, empty strings (km_family "": the family is ks_name), no labels, scale 1.
 * 0, or -1 on error, also when the entry is malformed (kvm_geterr names the field).
 */
#define KVM_METRIC_UNTYPED 0
#define KVM_METRIC_COUNTER 1
#define KVM_METRIC_GAUGE 2
#define KVM_METRIC_HISTOGRAM 3
#define KVM_METRIC_LABELS_MAX 4
#define KVM_HIST_BOUNDS_MAX 28

struct kvm_symmeta {
	int km_type;	    /* KVM_METRIC_* */
	char km_family[96]; /* [a-zA-Z_:][a-zA-Z0-9_:]*, or "" */
	char km_unit[32];   /* [a-zA-Z0-9_]*, "" for none */
	char km_help[256];  /* printable UTF-8, "" for none */
	int km_nlabels;	    /* km_labels[0 .. km_nlabels-1] */
	struct {
		char kl_name[32];  /* [a-zA-Z_][a-zA-Z0-9_]* */
		char kl_value[64]; /* printable UTF-8 */
	} km_labels[KVM_METRIC_LABELS_MAX];
	double km_scale; /* exported value = raw * km_scale; finite, > 0; 1 when none */
	int km_nbounds;	 /* histograms: finite upper bounds, raw units, ascending */
	uint64_t km_bounds[KVM_HIST_BOUNDS_MAX];
};

PCPU_EXPORT int kvm_sym_meta(kvm_t *kd, const struct kvm_sym *ks, struct kvm_symmeta *m);

/*
 * kvm_histogram_fetch(3): an N_HISTOGRAM symbol's bucket counts (not cumulative; the last
 * is +Inf) into buckets[0 .. km_nbounds], km_nbounds + 1 = ks_size / 16 - 1 of them, and
 * the sum of the observed values into *sum unless sum is NULL. 0, or -1 with the error.
 */
PCPU_EXPORT int kvm_histogram_fetch(kvm_t *kd, const struct kvm_sym *ks, uint64_t *buckets,
				    uint64_t *sum);

/*
 * kvm_getdominfo(3): the domain's name and state, and the processes that hold it. Both
 * return memory of the handle, valid until the next call of the same function on kd or
 * kvm_close; NULL on error. A process holds a domain from its attach (or creation, or
 * fork) to its exit; whether it still does is asked of the kernel, never judged from a
 * pid, so PID namespaces and reused pids do not matter.
 */
#define KVM_DOMNAMELEN 64  /* di_name, with its NUL */
#define KVM_PROGNAMELEN 64 /* di_progname, with its NUL */
#define KVM_COMMLEN 16	   /* dp_comm, with its NUL */

#define KVM_DOM_ALIVE 1	   /* at least one process holds it */
#define KVM_DOM_DEAD 2	   /* none does: they exited, crashed or were killed */
#define KVM_DOM_SNAPSHOT 3 /* a frozen copy (kvm_snapshot, pcpu_snapshot) */

struct kvm_dominfo {
	char di_name[KVM_DOMNAMELEN];	   /* "" for a per-process domain */
	char di_progname[KVM_PROGNAMELEN]; /* the creator's program */
	int di_state;			   /* KVM_DOM_* */
	int di_nprocs;			   /* processes holding it now; 0 unless alive */
	pid_t di_pid;			   /* the creator, in its own PID namespace */
	uid_t di_uid;			   /* the file's owner */
	dev_t di_dev;			   /* the file opened (st_dev, st_ino): */
	ino_t di_ino;			   /* is a path still this domain? */
	uint64_t di_start;		   /* the creator's start time, ticks after boot */
	uint64_t di_created_ns;		   /* CLOCK_REALTIME of the creation */
	uint64_t di_snapshot_ns;	   /* CLOCK_REALTIME of the snapshot, else 0 */
	unsigned long di_base;		   /* the writer's address of the file's first byte */
};

#define KVM_PROC_ALIVE 1    /* holds the domain now (its slot lock is held) */
#define KVM_PROC_EXITED 2   /* left it at a normal exit */
#define KVM_PROC_DIED 3	    /* gone without leaving: killed, crashed, or exec'd */
#define KVM_PROC_ATTACHED 4 /* in a snapshot: held it when the snapshot was taken */

#define KVM_PROCF_CREATOR 0x1u /* created the domain */
#define KVM_PROCF_FORKED 0x2u  /* a forked child of a holder */
#define KVM_PROCF_HERE 0x4u    /* alive in the caller's PID namespace: dp_pid is it */

struct kvm_domproc {
	unsigned int dp_slot;	   /* its slot in the domain's process table */
	int dp_state;		   /* KVM_PROC_* */
	pid_t dp_pid;		   /* in its own PID namespace */
	uid_t dp_uid;		   /* effective uid when it attached */
	uint64_t dp_pidns;	   /* inode of that PID namespace, 0 unknown */
	uint64_t dp_start;	   /* start time, ticks after boot (/proc/PID/stat 22) */
	uint64_t dp_attach_ns;	   /* CLOCK_REALTIME of the attach */
	uint64_t dp_detach_ns;	   /* CLOCK_REALTIME of the normal exit, else 0 */
	unsigned int dp_flags;	   /* KVM_PROCF_* */
	char dp_comm[KVM_COMMLEN]; /* its program name */
};

PCPU_EXPORT const struct kvm_dominfo *kvm_getdominfo(kvm_t *kd);
PCPU_EXPORT const struct kvm_domproc *kvm_getdomprocs(kvm_t *kd, int *cnt);
/* The arguments of a KVM_PROCF_HERE holder (FreeBSD's kvm_getargv): a NULL-terminated
 * array in memory of the handle, valid until the next call on kd; at most nchr bytes (0:
 * up to 64 KiB). NULL on error (ESRCH: not such a holder, or gone). */
PCPU_EXPORT char **kvm_getdomargv(kvm_t *kd, const struct kvm_domproc *p, int nchr);
/* Whether fd is a regular file that starts like a domain or a snapshot (its magic): 1
 * or 0. A cheap filter before kvm_openfiles, which checks the rest. */
PCPU_EXPORT int kvm_isdomain(int fd);
/* Removes the domain file at path when no process holds it: 0, or -1 with errno. */
PCPU_EXPORT int kvm_domain_reclaim(const char *path);

#ifdef __cplusplus
}
#endif

#endif
