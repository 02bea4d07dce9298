/*
 * The per-process upmap: an anonymous page marked MADV_WIPEONFORK. Any child (fork(),
 * syscall(SYS_fork), clone without CLONE_VM) gets the page zero-filled at the same
 * address, so it can never read its parent's pid: pid 0 means "not filled yet", and the
 * next ukp_* or upmap_map() call fills it. pthread_atfork fills it before fork() returns
 * in the child. A vfork child shares the page; ukp_vfork (vfork_<arch>.c, opt-in) raises
 * invfork around it so that ukp_getpid() asks the kernel instead.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

struct sys_upmap *pcpu_upmap;

static pthread_once_t upmap_once = PTHREAD_ONCE_INIT;
static int upmap_errno;
/* The last forkid this address space used: inherited by a child, which must differ. */
static forkid_t upmap_last_forkid;

static const ukpheader_t upmap_header[] = {
	{UKPTYPE_VERSION, offsetof(struct sys_upmap, version)},
	{UPTYPE_RUNTICKS, offsetof(struct sys_upmap, runticks)},
	{UPTYPE_FORKID, offsetof(struct sys_upmap, forkid)},
	{UPTYPE_INVFORK, offsetof(struct sys_upmap, invfork)},
	{UPTYPE_PID, offsetof(struct sys_upmap, pid)},
	{UPTYPE_PROC_TITLE, offsetof(struct sys_upmap, proc_title)},
};

static forkid_t upmap_new_forkid(void)
{
	forkid_t id = 0;

	while (id == 0 || id == __atomic_load_n(&upmap_last_forkid, __ATOMIC_RELAXED)) {
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id)) {
			struct timespec ts;

			/* No entropy yet (early boot): pid and time, mixed (splitmix64). */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			id += (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec * 1000000000u ^
			      (uint64_t)ts.tv_nsec;
			id += 0x9e3779b97f4a7c15u;
			id = (id ^ (id >> 30)) * 0xbf58476d1ce4e5b9u;
			id = (id ^ (id >> 27)) * 0x94d049bb133111ebu;
			id ^= id >> 31;
		}
	}
	return id;
}

void pcpu_upmap_fill(struct sys_upmap *u)
{
	forkid_t none = 0;

	for (size_t i = 0; i < sizeof(upmap_header) / sizeof(upmap_header[0]); i++) {
		__atomic_store_n(&u->header[i].type, upmap_header[i].type, __ATOMIC_RELAXED);
		__atomic_store_n(&u->header[i].offset, upmap_header[i].offset, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&u->version, UPMAP_VERSION, __ATOMIC_RELAXED);
	/* Two fillers (threads, or a signal handler) agree on whichever forkid lands first. */
	__atomic_compare_exchange_n(&u->forkid, &none, upmap_new_forkid(), false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
	__atomic_store_n(&upmap_last_forkid, __atomic_load_n(&u->forkid, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	/* Release: whoever sees the pid also sees the header, version and forkid. */
	__atomic_store_n(&u->pid, getpid(), __ATOMIC_RELEASE);
}

static void upmap_atfork_child(void)
{
	pcpu_upmap_fill(pcpu_upmap);
	pcpu_proctitle_after_fork(pcpu_upmap);
	pcpu_upmap_ticker_after_fork(pcpu_upmap);
}

static void upmap_create(void)
{
#ifndef PCPU_UPMAP_VFORK_HOOK
	/* No vfork wrapper for this architecture: a vfork child would read a stale pid. */
	upmap_errno = ENOTSUP;
	return;
#endif
	void *p = mmap(NULL, UPMAP_MAPSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED) {
		upmap_errno = errno;
		return;
	}
	/* Without WIPEONFORK (Linux < 4.14) a raw-fork child would read a stale pid: refuse. */
	if (madvise(p, UPMAP_MAPSIZE, MADV_WIPEONFORK) != 0 ||
	    pthread_atfork(NULL, NULL, upmap_atfork_child) != 0) {
		upmap_errno = errno ? errno : ENOMEM;
		munmap(p, UPMAP_MAPSIZE);
		return;
	}
	pcpu_upmap_fill(p);
#ifdef PCPU_UPMAP_VFORK_HOOK
	__atomic_store_n(&pcpu_upmap_invfork, &((struct sys_upmap *)p)->invfork, __ATOMIC_RELEASE);
#endif
	__atomic_store_n(&pcpu_upmap, (struct sys_upmap *)p, __ATOMIC_RELEASE);
}

struct sys_upmap *pcpu_upmap_get(void)
{
	struct sys_upmap *u;

	pthread_once(&upmap_once, upmap_create);
	u = __atomic_load_n(&pcpu_upmap, __ATOMIC_ACQUIRE);
	if (u == NULL) {
		errno = upmap_errno;
		return NULL;
	}
	if (__atomic_load_n(&u->pid, __ATOMIC_ACQUIRE) == 0) {
		pcpu_upmap_fill(u);
		pcpu_proctitle_after_fork(u);
	}
	return u;
}

void *upmap_map(void)
{
	struct sys_upmap *u = pcpu_upmap_get();
	int err;

	if (u == NULL)
		return NULL;
	err = pcpu_upmap_ticker_start(u);
	if (err != 0) {
		errno = err;
		return NULL;
	}
	return u;
}

static pid_t upmap_getpid_slow(void)
{
	struct sys_upmap *u = pcpu_upmap_get();

	if (u == NULL || __atomic_load_n(&u->invfork, __ATOMIC_RELAXED) != 0)
		return getpid();
	return __atomic_load_n(&u->pid, __ATOMIC_RELAXED);
}

/*
 * One acquire load of the pointer and of pid, one relaxed load of invfork. pid is 0 in
 * a child until filled (WIPEONFORK), so a non-zero pid is this process's own. invfork
 * was raised by the vfork wrapper before the vfork system call, which orders it before
 * anything the vfork child runs.
 */
pid_t ukp_getpid(void)
{
	struct sys_upmap *u = __atomic_load_n(&pcpu_upmap, __ATOMIC_ACQUIRE);

	if (__builtin_expect(u != NULL, 1)) {
		pid_t pid = __atomic_load_n(&u->pid, __ATOMIC_ACQUIRE);

		if (__builtin_expect(pid != 0, 1) &&
		    __atomic_load_n(&u->invfork, __ATOMIC_RELAXED) == 0)
			return pid;
	}
	return upmap_getpid_slow();
}

/* A vfork child shares its parent's map, forkid included, as on DragonFly. */
forkid_t ukp_forkid(void)
{
	struct sys_upmap *u = __atomic_load_n(&pcpu_upmap, __ATOMIC_ACQUIRE);

	if (u == NULL || __atomic_load_n(&u->pid, __ATOMIC_ACQUIRE) == 0)
		u = pcpu_upmap_get();
	if (u == NULL)
		return 0;
	return __atomic_load_n(&u->forkid, __ATOMIC_RELAXED);
}
