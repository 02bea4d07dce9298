/* Internals of the upmap module shared between its files; see upmap(4) for the design. */
#ifndef PCPU_UPMAP_PRIVATE_H
#define PCPU_UPMAP_PRIVATE_H

#include <pcpu/upmap.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* The process's upmap once created (never unmapped), NULL before or on failure. */
extern struct sys_upmap *pcpu_upmap;

/* Address of pcpu_upmap->invfork for the vfork wrapper, NULL until the map exists
 * (vfork_<arch>.c; only architectures with a wrapper). */
extern uint32_t *pcpu_upmap_invfork;

/* Creates the upmap on first use and refills it after a fork; NULL with errno. */
struct sys_upmap *pcpu_upmap_get(void);

/* Writes the header, version, a fresh forkid and the pid (last, with release) into u.
 * Safe to run twice concurrently: every store is atomic and forkid is set once. */
void pcpu_upmap_fill(struct sys_upmap *u);

/* Starts a detached thread running fn(arg) with every signal blocked. 0 or errno. */
int pcpu_upmap_thread_start(void *(*fn)(void *), void *arg);

/* tick_freq of the live kpmap, else 100. */
uint64_t pcpu_upmap_tick_hz(void);

/* Write-protects u's page and starts the thread that shows direct title stores
 * (titlewatch.c); false when this kernel or sandbox does not allow it. */
bool pcpu_title_watch_start(struct sys_upmap *u);

/* In a child after fork: drops the parent's watch descriptor. */
void pcpu_title_watch_after_fork(void);

/* Starts the runticks thread and the title watcher in this process unless they already
 * run. 0 or errno. */
int pcpu_upmap_ticker_start(struct sys_upmap *u);

/* In a child after fork(): the parent's thread did not survive; starts a new one if the
 * parent had one. */
void pcpu_upmap_ticker_after_fork(struct sys_upmap *u);

/* Makes /proc/PID/cmdline show title (empty: the original arguments). 0, or -1 with
 * errno. wait false: gives up (EBUSY) instead of waiting for another caller. */
int pcpu_proctitle_apply(const char *title, bool wait);

/* In a child after fork: the title lock may have been held by a thread that is gone, and
 * the upmap field was wiped; puts back the title that the argument area still shows. */
void pcpu_proctitle_after_fork(struct sys_upmap *u);

/* --- kpmap --- */

/* pcpu extension in kpmap: a robust-futex word that holds kpmapd's thread id while it
 * publishes. The kernel sets FUTEX_OWNER_DIED in it when kpmapd dies in any way, and
 * kpmapd stores 0 on clean shutdown, so clients notice a dead map with one load. Its
 * type is KPTYPE_PCPU_ALIVE in <pcpu/upmap.h>. */
#define PCPU_KPMAP_ALIVE_OFFSET 512

/* Every entry of a kpmap's header, as initializers of ukpheader_t: the header kpmapd
 * writes (kpmap_publish.c) and the entries clients require before they trust a map
 * (kpmap_check.c), so that the two cannot disagree. */
/* clang-format off */
#define PCPU_KPMAP_HEADER_ENTRIES                                      \
	{UKPTYPE_VERSION, offsetof(struct sys_kpmap, version)},        \
	{KPTYPE_UPTICKS, offsetof(struct sys_kpmap, upticks)},         \
	{KPTYPE_TS_UPTIME, offsetof(struct sys_kpmap, ts_uptime)},     \
	{KPTYPE_TS_REALTIME, offsetof(struct sys_kpmap, ts_realtime)}, \
	{KPTYPE_TSC_FREQ, offsetof(struct sys_kpmap, tsc_freq)},       \
	{KPTYPE_TICK_FREQ, offsetof(struct sys_kpmap, tick_freq)},     \
	{KPTYPE_FAST_GTOD, offsetof(struct sys_kpmap, fast_gtod)},     \
	{KPTYPE_TIMER_BASE, offsetof(struct sys_kpmap, timer_base)},   \
	{KPTYPE_FREQ_NSEC, offsetof(struct sys_kpmap, freq64_nsec)},   \
	{KPTYPE_CLOCK_BASE, offsetof(struct sys_kpmap, clock_base)},   \
	{KPTYPE_CLOCK_SECS, offsetof(struct sys_kpmap, clock_secs)},   \
	{KPTYPE_TS_BASETIME, offsetof(struct sys_kpmap, ts_basetime)}, \
	{KPTYPE_TSC_SHIFT, offsetof(struct sys_kpmap, tsc_shift)},     \
	{KPTYPE_PCPU_ALIVE, PCPU_KPMAP_ALIVE_OFFSET}
/* clang-format on */

/* Opens pcpu_kpmap_path() with flags, a regular file only (sys/open.h: no link followed,
 * no FIFO waited on), and fills *st. The descriptor, or -1 with errno (EINVAL: not a
 * regular file). */
int pcpu_kpmap_open_file(int flags, struct stat *st);
/* Checks a kpmap file opened by pcpu_kpmap_open_file, *st its status (owner root or
 * $PCPU_KPMAP_OWNER, not group- or world-writable, large enough), and maps it. NULL with
 * errno (EPERM, EINVAL, ENOTSUP). */
const struct sys_kpmap *pcpu_kpmap_open_checked(int fd, int prot, const struct stat *st);

/* Checks the header and version of a KPMAP_MAPSIZE-byte map: 0, or -1 with errno
 * EINVAL (bad header) or ENOTSUP (unknown version). */
int pcpu_kpmap_check(const void *map);

/* The current live kpmap, NULL when there is none (the caller falls back). */
extern const struct sys_kpmap *pcpu_kpmap_current __attribute__((visibility("hidden")));
const struct sys_kpmap *pcpu_kpmap_refresh(bool force);

static inline bool pcpu_kpmap_alive(const struct sys_kpmap *k)
{
	const uint32_t *word = (const uint32_t *)((const char *)k + PCPU_KPMAP_ALIVE_OFFSET);
	uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);

	return v != 0 && (v & 0x40000000u) == 0; /* FUTEX_OWNER_DIED */
}

/* The current kpmap while its writer is alive, else NULL: one acquire load and one
 * relaxed load. */
static inline const struct sys_kpmap *pcpu_kpmap_up(void)
{
	const struct sys_kpmap *k = __atomic_load_n(&pcpu_kpmap_current, __ATOMIC_ACQUIRE);

	return __builtin_expect(k != NULL && pcpu_kpmap_alive(k), 1) ? k : NULL;
}

/* The kpmap to read, or NULL: pcpu_kpmap_up(), or one found again. */
static inline const struct sys_kpmap *pcpu_kpmap_live(void)
{
	const struct sys_kpmap *k = pcpu_kpmap_up();

	return k != NULL ? k : pcpu_kpmap_refresh(false);
}

/* The writer (kpmapd, the tests): upmap/kpmap_writer.h. */
#include "upmap/kpmap_writer.h"

#endif
