/*
 * On-disk layout of a pcpu domain file and of a snapshot (doc/domain-format.md).
 * Shared by the writer (src/domain) and the reader (src/kvm); the reader treats every
 * byte described here as hostile input.
 *
 * All integers are in the writer's native byte order (little-endian on every supported
 * architecture); a reader on a machine of the other order refuses the file by its magic.
 */
#ifndef PCPU_FORMAT_DOMAIN_FORMAT_H
#define PCPU_FORMAT_DOMAIN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <pcpu/pcpu_struct.h>

#define PCPU_DOM_MAGIC "PCPUDOM\n" /* 8 bytes, no terminator */
#define PCPU_DOM_VERSION_MAJOR 2   /* a reader refuses any other major */
#define PCPU_DOM_VERSION_MINOR 1   /* a newer minor only appends fields */
#define PCPU_DOM_HDR_SIZE 4096u
#define PCPU_DOM_READY 0x59444552u /* "REDY": ready is written last, with release */
#define PCPU_DOM_TOC_MAX 32
#define PCPU_DOM_MAX_CHUNKS 64
#define PCPU_DOM_SYM_NAME_MAX 96 /* bytes, including the terminating NUL */
#define PCPU_DOM_PROGNAME_MAX 64
#define PCPU_DOM_MAXCPU_LIMIT 65536u /* readers refuse a larger maxcpu */
#define PCPU_DOM_NAME_MAX 64	     /* a domain's name, including the terminating NUL */
#define PCPU_DOM_PROC_MAX 4096u	     /* readers refuse a larger proc_cap */

/* flags */
#define PCPU_DOM_F_SNAPSHOT 0x1u /* a frozen copy: written by pcpu_snapshot()/kvm_snapshot() */

/*
 * Table of contents: (type, offset) pairs as in DragonFly's ukpheader_t, ending with a
 * zero type. The field width is encoded in the type exactly as UKPLEN_DECODE does:
 * width = 1 << ((type >> 8) & 0xF). Domain types carry 0x4000.
 */
struct pcpu_dom_toc {
	uint16_t type;
	uint16_t offset; /* from the start of the file, always < PCPU_DOM_HDR_SIZE */
};

#define PCPU_DOM_LEN(type) (1u << (((type) >> 8) & 0xFu))
#define DOMTYPE_MAGIC 0x4301	    /* 8 bytes */
#define DOMTYPE_VERSION 0x4202	    /* 4: major << 16 | minor */
#define DOMTYPE_MAXCPU 0x4203	    /* 4 */
#define DOMTYPE_STRIDE 0x4304	    /* 8 */
#define DOMTYPE_WRITER_BASE 0x4305  /* 8 */
#define DOMTYPE_FILE_SIZE 0x4306    /* 8 */
#define DOMTYPE_PCPU_OFF 0x4307	    /* 8 */
#define DOMTYPE_SYM_OFF 0x4308	    /* 8 */
#define DOMTYPE_SYM_COUNT 0x4209    /* 4 */
#define DOMTYPE_WRITER_PID 0x420A   /* 4 */
#define DOMTYPE_WRITER_START 0x430B /* 8 */
#define DOMTYPE_PROGNAME 0x460C	    /* 64 */
#define DOMTYPE_READY 0x420D	    /* 4 */
#define DOMTYPE_NAME 0x460E	    /* 64 */
#define DOMTYPE_PROC_OFF 0x430F	    /* 8 */
#define DOMTYPE_PROC_CAP 0x4210	    /* 4 */
#define DOMTYPE_META_OFF 0x4311	    /* 8, since 2.1 */
#define DOMTYPE_META_CAP 0x4212	    /* 4, since 2.1 */

/* Symbol kinds. */
#define PCPU_SYM_FREE 0	   /* tombstone of a freed object; readers skip it */
#define PCPU_SYM_DPCPU 1   /* addr: CPU 0's copy; CPU i's copy is at addr + i * stride */
#define PCPU_SYM_COUNTER 2 /* addr: counter base (CPU 0's copy, below); size 8 */
#define PCPU_SYM_OBJECT 3  /* addr: a pcpu_register()ed object of size bytes */
#define PCPU_SYM_ZPCPU 4   /* addr: zpcpu base; size bytes per CPU */
/* addr: zpcpu base of (nbounds + 1) histogram cells (below; the bounds in its metadata
 * entry), one per bucket 0..nbounds (the last one is +Inf). size bytes per CPU:
 * (nbounds + 1) * PCPU_HIST_CELL_SIZE. Since 2.1. */
#define PCPU_SYM_HISTOGRAM 5

/*
 * A counter's words in each CPU's copy (doc/domain-format.md, "Counters"): the value,
 * which only that CPU's critical sections add to, and the adjustment, which only atomic
 * instructions write. The total is the sum over CPUs of value minus adjustment.
 */
enum {
	PCPU_COUNTER_VALUE = 0, /* uint64_t index of the value */
	PCPU_COUNTER_ADJ = 1,	/* uint64_t index of the adjustment */
	PCPU_COUNTER_SIZE = 16	/* bytes per CPU */
};

/*
 * A histogram cell's words in each CPU's copy (doc/domain-format.md, "Histograms"): the
 * bucket's count and the sum of its values, which only that CPU's critical sections add
 * to (one section adds to both on x86_64), then their adjustments, which only atomic
 * instructions write. Each total is the sum over CPUs of value minus adjustment; the
 * histogram's count and sum are the totals over its cells.
 */
enum {
	PCPU_HIST_COUNT = 0,	 /* uint64_t index of the bucket's count */
	PCPU_HIST_SUM = 1,	 /* uint64_t index of the sum of its values */
	PCPU_HIST_COUNT_ADJ = 2, /* uint64_t index of the count's adjustment */
	PCPU_HIST_SUM_ADJ = 3,	 /* uint64_t index of the sum's adjustment */
	PCPU_HIST_CELL_SIZE = 32 /* bytes per CPU, 16-aligned */
};

/* Symbol flags: how a DPCPU variable or object may be displayed. */
#define PCPU_SYMF_INTEGER 0x1u /* an unsigned or signed integer of size 1, 2, 4 or 8 */
#define PCPU_SYMF_SIGNED 0x2u

struct pcpu_dom_sym {
	char name[PCPU_DOM_SYM_NAME_MAX]; /* NUL-terminated, NUL-padded */
	uint64_t addr;			  /* the writer's address (see kinds) */
	uint64_t size;			  /* bytes (per CPU for DPCPU, COUNTER, ZPCPU) */
	uint32_t kind;
	uint32_t flags;
	uint64_t seq; /* even; odd while the entry is rewritten (format/publish.h) */
};
_Static_assert(sizeof(struct pcpu_dom_sym) == 128, "symbol entries are 128 bytes");

/*
 * The header fills the first PCPU_DOM_HDR_SIZE bytes. Offsets below are fixed for
 * version 1; readers of later minors find appended fields through the toc.
 */
struct pcpu_dom_header {
	struct pcpu_dom_toc toc[PCPU_DOM_TOC_MAX]; /* 0 */
	char magic[8];				   /* 128 */
	uint16_t version_major;			   /* 136 */
	uint16_t version_minor;
	uint32_t hdr_size;     /* 140: PCPU_DOM_HDR_SIZE */
	uint32_t page_size;    /* 144: the writer's page size */
	uint32_t maxcpu;       /* 148: CPU slots; ids 0 .. maxcpu-1 */
	uint32_t flags;	       /* 152: PCPU_DOM_F_* */
	uint32_t pcpu_size;    /* 156: sizeof(struct pcpu) */
	uint64_t stride;       /* 160: zpcpu stride, a multiple of page_size */
	uint64_t writer_base;  /* 168: writer's address of file offset 0 */
	uint64_t file_size;    /* 176: bytes in use; grows, published with release */
	uint64_t pcpu_off;     /* 184: struct pcpu[maxcpu] */
	uint64_t sym_off;      /* 192: struct pcpu_dom_sym[sym_cap] */
	uint32_t sym_cap;      /* 200 */
	uint32_t sym_count;    /* 204: entries in use; published with release */
	uint64_t dpcpu_addr;   /* 208: writer's address of CPU 0's DPCPU block, 0 if none */
	uint64_t dpcpu_size;   /* 216: bytes of one CPU's DPCPU block */
	int32_t writer_pid;    /* 224 */
	uint32_t nchunks;      /* 228: zpcpu chunks in use */
	uint64_t writer_start; /* 232: writer's start time, clock ticks after boot
				  (field 22 of /proc/PID/stat): tells pid reuse apart */
	uint64_t created_ns;   /* 240: CLOCK_REALTIME at creation */
	uint64_t snapshot_ns;  /* 248: CLOCK_REALTIME when the snapshot was taken, else 0 */
	char progname[PCPU_DOM_PROGNAME_MAX];	 /* 256: NUL-terminated program name */
	uint64_t chunk_off[PCPU_DOM_MAX_CHUNKS]; /* 320: file offset of each zpcpu chunk;
						    chunk k spans maxcpu * stride bytes */
	uint32_t ready;		      /* 832: PCPU_DOM_READY once the domain is complete */
	uint32_t spare32;	      /* 836 */
	char name[PCPU_DOM_NAME_MAX]; /* 840: the domain's name, "" for a per-process one */
	uint64_t proc_off;	      /* 904: struct pcpu_dom_proc[proc_cap] */
	uint32_t proc_cap;	      /* 912: process slots */
	uint32_t spare32b;	      /* 916 */
	uint64_t meta_off;	      /* 920: struct pcpu_dom_meta[meta_cap]; 0 before 2.1 */
	uint32_t meta_cap;	      /* 928: == sym_cap */
	uint32_t spare32c;	      /* 932 */
	uint8_t reserved[2048 - 936]; /* 936: zero; future minors append here */
	uint8_t writer_private[2048]; /* 2048: allocator state of the writer; readers
					 never interpret it and snapshots zero it */
};

_Static_assert(sizeof(struct pcpu_dom_header) == PCPU_DOM_HDR_SIZE, "header is one page");
_Static_assert(offsetof(struct pcpu_dom_header, magic) == 128, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, stride) == 160, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, writer_pid) == 224, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, progname) == 256, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, chunk_off) == 320, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, ready) == 832, "format v1");
_Static_assert(offsetof(struct pcpu_dom_header, name) == 840, "format v2");
_Static_assert(offsetof(struct pcpu_dom_header, proc_off) == 904, "format v2");
_Static_assert(offsetof(struct pcpu_dom_header, meta_off) == 920, "format v2.1");
_Static_assert(offsetof(struct pcpu_dom_header, meta_cap) == 928, "format v2.1");
_Static_assert(offsetof(struct pcpu_dom_header, writer_private) == 2048, "format v1");

/*
 * Metric metadata (since 2.1): what a symbol means to a monitoring system, in a table
 * parallel to the symbol table: entry i describes symbol i, and only the incarnation of
 * it whose seq is sym_seq (a reused symbol slot has a newer seq, so an entry left from
 * the slot's earlier symbol describes nothing). An entry is rewritten under the same
 * sequence lock as symbols (format/publish.h). Strings are NUL-terminated, NUL-padded;
 * readers check every byte (doc/domain-format.md, "Metadata").
 */
#define PCPU_META_UNTYPED 0
#define PCPU_META_COUNTER 1
#define PCPU_META_GAUGE 2
#define PCPU_META_HISTOGRAM 3

#define PCPU_METAF_SET 0x1u /* the entry describes symbol i at sym_seq */

#define PCPU_META_FAMILY_MAX 96 /* bytes, each with the terminating NUL */
#define PCPU_META_UNIT_MAX 32
#define PCPU_META_HELP_MAX 256
#define PCPU_META_LABELS_MAX 4
#define PCPU_META_LNAME_MAX 32
#define PCPU_META_LVALUE_MAX 64
#define PCPU_META_BOUNDS_MAX 28

struct pcpu_dom_label {
	char name[PCPU_META_LNAME_MAX];
	char value[PCPU_META_LVALUE_MAX];
};

struct pcpu_dom_meta {
	uint16_t type;			   /* PCPU_META_* */
	uint16_t flags;			   /* PCPU_METAF_* */
	uint16_t nlabels;		   /* labels[0 .. nlabels-1] are set, the rest zero */
	uint16_t nbounds;		   /* histograms: bounds[0 .. nbounds-1], ascending */
	double scale;			   /* exported value = raw * scale; 0 means 1 */
	uint64_t sym_seq;		   /* the seq of the symbol entry this describes */
	char family[PCPU_META_FAMILY_MAX]; /* "": the symbol's own name */
	char unit[PCPU_META_UNIT_MAX];
	char help[PCPU_META_HELP_MAX];
	struct pcpu_dom_label labels[PCPU_META_LABELS_MAX];
	uint64_t bounds[PCPU_META_BOUNDS_MAX]; /* finite upper bounds (le), raw units */
	uint64_t seq; /* even; odd while the entry is rewritten (format/publish.h) */
};
_Static_assert(sizeof(struct pcpu_dom_meta) == 1024, "metadata entries are 1024 bytes");
_Static_assert(offsetof(struct pcpu_dom_meta, seq) == 1016, "seq is the last word");

/*
 * The processes that hold a domain: its creator, the children it forks and every process
 * that attached. Liveness is not judged from pids (which PID namespaces and reuse make
 * ambiguous) but from open file description locks (F_OFD_SETLK) on the domain file, which
 * the kernel drops when the process dies however it dies:
 * - the gate byte, locked (write) while a process attaches, detaches or removes the file,
 *   so that "the last holder leaves and unlinks" and "a newcomer joins" never interleave;
 * - one byte per slot, write-locked by the process that holds the slot for as long as it
 *   uses the domain. A slot is alive exactly while its byte is locked; state and the
 *   identity fields below only describe the process (they may be stale after a crash).
 * The bytes lie far beyond any file content: locks need no data under them.
 */
#define PCPU_DOM_LOCK_GATE ((uint64_t)1 << 40)
#define PCPU_DOM_LOCK_SLOT(i) (PCPU_DOM_LOCK_GATE + 1 + (uint64_t)(i))

/* Slot states, as the process last wrote them. */
#define PCPU_PROC_FREE 0     /* never used */
#define PCPU_PROC_ATTACHED 1 /* in use; dead (a crash, or exec) when its lock is not held */
#define PCPU_PROC_DETACHED 2 /* left at normal exit */

struct pcpu_dom_proc {
	uint32_t state;	    /* PCPU_PROC_*; written last, with release, when taken */
	int32_t pid;	    /* in the process's own PID namespace */
	uint64_t pidns;	    /* inode of that PID namespace (/proc/self/ns/pid), 0 unknown */
	uint64_t start;	    /* start time, clock ticks after boot (/proc/PID/stat field 22) */
	uint64_t attach_ns; /* CLOCK_REALTIME when the slot was taken */
	uint64_t detach_ns; /* CLOCK_REALTIME of the normal exit, else 0 */
	uint32_t uid;	    /* effective uid when the slot was taken */
	uint32_t flags;	    /* PCPU_PROCF_* */
	char comm[16];	    /* program name, NUL-terminated */
};
_Static_assert(sizeof(struct pcpu_dom_proc) == 64, "process slots are 64 bytes");

#define PCPU_PROCF_CREATOR 0x1u /* created the domain */
#define PCPU_PROCF_FORKED 0x2u	/* a forked child of a holder */

#endif
