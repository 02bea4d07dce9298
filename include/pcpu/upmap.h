/*
 * <pcpu/upmap.h> -- DragonFly's upmap and kpmap shared pages, on Linux.
 *
 * upmap is this process's own page (pid, fork id, run ticks, process title), kpmap the
 * system-wide page published by kpmapd(8) (tick counter, uptime, real time, TSC and tick
 * frequencies). The layout, the header types and their numbers are DragonFly's
 * <sys/upmap.h>, so that programs written for DragonFly port by changing the include and
 * the open/mmap call into upmap_map()/kpmap_map(). See upmap(4) and ukp(3).
 */
#ifndef PCPU_UPMAP_H
#define PCPU_UPMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UPMAP_MAXPROCTITLE 1024
#define UPMAP_MAPSIZE 65536
#define KPMAP_MAPSIZE 65536

#define UPMAP_VERSION 1
#define KPMAP_VERSION 2

typedef uint64_t forkid_t;

/* One entry of the header[] array at the front of each map; type 0 ends the array. */
typedef struct ukpheader {
	uint16_t type;	 /* UKPTYPE_/UPTYPE_/KPTYPE_ value: id plus width code */
	uint16_t offset; /* byte offset of the field from the map base */
} ukpheader_t;

/* Bits 8-11 of a type give the field's width as a power of two. */
#define UKPLEN_MASK 0x0F00
#define UKPLEN_1 0x0000
#define UKPLEN_2 0x0100
#define UKPLEN_4 0x0200
#define UKPLEN_8 0x0300
#define UKPLEN_16 0x0400
#define UKPLEN_32 0x0500
#define UKPLEN_64 0x0600
#define UKPLEN_128 0x0700
#define UKPLEN_256 0x0800
#define UKPLEN_512 0x0900
#define UKPLEN_1024 0x0A00

/* A timestamp field is struct timespec[2]: 32 bytes with a 64-bit time_t. */
#define UKPLEN_TS ((sizeof(struct timespec) == 8) ? UKPLEN_16 : UKPLEN_32)
#define UKPLEN_DECODE(type) (1 << (((type) >> 8) & 0x0F))

/* In every map, always the first header entry. */
#define UKPTYPE_VERSION (0x0001 | UKPLEN_4)

/* upmap: per process, read/write. */
#define UPTYPE_RUNTICKS (0x0010 | UKPLEN_4)
#define UPTYPE_FORKID (0x0011 | UKPLEN_8)
#define UPTYPE_PID (0x0012 | UKPLEN_4)
#define UPTYPE_PROC_TITLE (0x0013 | UKPLEN_1024)
#define UPTYPE_INVFORK (0x0014 | UKPLEN_4)

/* kpmap: system-wide, read-only. TICK_FREQ's width code says 8 as on DragonFly, although
 * the field is an int32_t followed by fast_gtod; read it as int32_t. */
#define KPTYPE_UPTICKS (0x8000 | UKPLEN_4)
#define KPTYPE_TS_UPTIME (0x8001 | UKPLEN_TS)
#define KPTYPE_TS_REALTIME (0x8002 | UKPLEN_TS)
#define KPTYPE_TSC_FREQ (0x8003 | UKPLEN_8)
#define KPTYPE_TICK_FREQ (0x8004 | UKPLEN_8)
#define KPTYPE_FAST_GTOD (0x8005 | UKPLEN_4)
/* KPMAP_VERSION 2: DragonFly's TSC clock, a 32-bit count ((rdtsc() >> tsc_shift) +
 * timer_base) that was clock_base[s] at the start of second clock_secs[s] of uptime,
 * freq64_nsec the nanoseconds per count << 32, ts_basetime[s] realtime minus uptime;
 * s = upticks & 1. */
#define KPTYPE_TIMER_BASE (0x8006 | UKPLEN_4)
#define KPTYPE_FREQ_NSEC (0x8007 | UKPLEN_8)
#define KPTYPE_CLOCK_BASE (0x8008 | UKPLEN_8)
#define KPTYPE_CLOCK_SECS (0x8009 | UKPLEN_8)
#define KPTYPE_TS_BASETIME (0x800a | UKPLEN_TS)
/* The shift of DragonFly's TSC clock: its count is (rdtsc() >> tsc_shift) + timer_base,
 * so that a TSC of 4 GHz or more still counts a second in 32 bits. DragonFly's
 * development branch that defined it numbered it 0x8005 | UKPLEN_4, the number the
 * later layout followed here gives to KPTYPE_FAST_GTOD; here it is the next free id,
 * and its field follows clock_secs. Look it up with ukp_find(), as every other. */
#define KPTYPE_TSC_SHIFT (0x800b | UKPLEN_4)
/* pcpu's own kpmap entry (not in DragonFly): kpmapd's liveness word, see upmap(4). */
#define KPTYPE_PCPU_ALIVE (0x80F0 | UKPLEN_4)

/*
 * Programs should locate fields with ukp_find() rather than rely on these structures, as
 * on DragonFly; they are here for the layout checks and for porting.
 */
struct sys_upmap {
	ukpheader_t header[64];
	uint32_t version;
	uint32_t runticks; /* scheduler ticks of all threads */
	forkid_t forkid;   /* unique, non-zero, new in every child; not monotonic */
	uint32_t invfork;  /* non-zero while a vfork child runs on this map */
	pid_t pid;	   /* 0 until filled in after a raw fork: see upmap(4) */
	uint32_t reserved[16];
	char proc_title[UPMAP_MAXPROCTITLE];
};

struct sys_kpmap {
	ukpheader_t header[64];
	int32_t version;
	int32_t upticks;		/* ts_*[upticks & 1] is the current slot */
	struct timespec ts_uptime[2];	/* CLOCK_MONOTONIC at the last tick */
	struct timespec ts_realtime[2]; /* CLOCK_REALTIME at the last tick */
	int64_t tsc_freq;		/* Hz, 0 when unknown */
	int32_t tick_freq;		/* ticks per second */
	int32_t fast_gtod;		/* kern.gettimeofday_quick */
	/* DragonFly's TSC clock (KPMAP_VERSION 2): published only while the TSC is trusted,
	 * else freq64_nsec is 0; see upmap(4). */
	int64_t freq64_nsec;
	struct timespec ts_basetime[2];
	uint32_t timer_base;
	uint32_t clock_base[2];
	uint32_t clock_secs[2];
	uint32_t tsc_shift;
};

/* The layout is DragonFly's ABI: every offset is checked at compile time. */
#ifdef __cplusplus
#define PCPU_UPMAP_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define PCPU_UPMAP_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
PCPU_UPMAP_ASSERT(sizeof(ukpheader_t) == 4, "ukpheader_t is two uint16_t");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, version) == 256, "upmap version offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, runticks) == 260, "upmap runticks offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, forkid) == 264, "upmap forkid offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, invfork) == 272, "upmap invfork offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, pid) == 276, "upmap pid offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, reserved) == 280, "upmap reserved offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_upmap, proc_title) == 344, "upmap proc_title offset");
PCPU_UPMAP_ASSERT(sizeof(struct sys_upmap) <= UPMAP_MAPSIZE, "upmap fits its map");
PCPU_UPMAP_ASSERT(sizeof(struct timespec) == 16, "64-bit time_t: UKPLEN_TS is 32");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, version) == 256, "kpmap version offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, upticks) == 260, "kpmap upticks offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, ts_uptime) == 264, "kpmap ts_uptime offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, ts_realtime) == 296, "kpmap ts_realtime offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, tsc_freq) == 328, "kpmap tsc_freq offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, tick_freq) == 336, "kpmap tick_freq offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, fast_gtod) == 340, "kpmap fast_gtod offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, freq64_nsec) == 344, "kpmap freq64_nsec offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, ts_basetime) == 352, "kpmap ts_basetime offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, timer_base) == 384, "kpmap timer_base offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, clock_base) == 388, "kpmap clock_base offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, clock_secs) == 396, "kpmap clock_secs offset");
PCPU_UPMAP_ASSERT(offsetof(struct sys_kpmap, tsc_shift) == 404, "kpmap tsc_shift offset");
PCPU_UPMAP_ASSERT(sizeof(struct sys_kpmap) <= KPMAP_MAPSIZE, "kpmap fits its map");

/* This process's upmap, read/write; the same address for the life of the process and
 * in every child (which sees its own values there). NULL with errno on failure. */
PCPU_EXPORT void *upmap_map(void);

/* The system kpmap, read-only: $PCPU_KPMAP or /dev/shm/kpmap, checked before it is
 * trusted. NULL with errno when there is none or it was refused. */
PCPU_EXPORT const void *kpmap_map(void);

/* Which kpmap file this process uses instead of $PCPU_KPMAP or /dev/shm/kpmap (path NULL:
 * back to those); kpmap_path() tells which it is. 0, or -1 with errno (ENOMEM). */
PCPU_EXPORT int kpmap_setpath(const char *path);
PCPU_EXPORT const char *kpmap_path(void);

/* The kpmap as kpmap_map() finds it, but also when its kpmapd has stopped or died: then
 * the last values it published, for reading post-mortem (KPTYPE_PCPU_ALIVE tells which).
 * NULL with errno as kpmap_map() for any other failure. */
PCPU_EXPORT const void *ukp_kpmap_last(void);

/* The current slot of the double-buffered timestamp of type (KPTYPE_TS_UPTIME,
 * KPTYPE_TS_REALTIME, KPTYPE_TS_BASETIME) in map, read with the retry that makes it
 * never torn while kpmapd publishes. 0, or -1 with errno. */
PCPU_EXPORT int ukp_kpmap_timestamp(const void *map, uint16_t type, struct timespec *ts);

/* The field of the given type in an upmap or kpmap, or NULL (errno ENOENT) when the
 * header has no entry of exactly that type (id and width) inside the map. */
PCPU_EXPORT void *ukp_find(const void *map, uint16_t type);

/* Fast paths: no system call, lock or allocation once the maps are up. */
PCPU_EXPORT pid_t ukp_getpid(void);
PCPU_EXPORT forkid_t ukp_forkid(void);
PCPU_EXPORT int ukp_gettimeofday(struct timeval *tv, void *tz);
PCPU_EXPORT int ukp_clock_gettime(clockid_t clock, struct timespec *ts);

/* Sets the title shown by ps(1) and /proc/PID/cmdline; fmt NULL restores the original. */
PCPU_EXPORT int ukp_setproctitle(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads and/or sets a kpmap tunable of the published map, as sysctl(3): name
 * "kern.gettimeofday_quick" (fast_gtod). 0, or -1 with errno. */
PCPU_EXPORT int kpmap_sysctl(const char *name, int *oldval, const int *newval);

#if defined(__x86_64__)
/*
 * vfork(2) that raises the upmap's invfork while the child runs on our memory, so that
 * ukp_getpid() in the child asks the kernel. Opt-in: libpcpu never replaces the C
 * library's vfork; call this instead, or build with -Dvfork=ukp_vfork (see ukp(3)).
 */
PCPU_EXPORT pid_t ukp_vfork(void) __attribute__((returns_twice));
#endif

#ifdef __cplusplus
}
#endif

#endif
