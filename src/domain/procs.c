/*
 * The processes that hold the domain (domain_format.h): each takes a slot of the process
 * table and keeps its lock byte locked while it uses the domain. The creator and every
 * attaching process take one under the gate; a forked child gets its own, through an open
 * file description of its own, so that its lock outlives its parent (a daemon whose
 * parent exits keeps the domain alive). At normal exit each process gives its slot back,
 * and the last one removes the file.
 *
 * Everything here that runs in a forked child is async-signal-safe: open, fcntl, read,
 * dup3, close, prctl, clock_gettime.
 */
#include "domain/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/holders.h"

static struct pcpu_dom_proc *slots(struct pcpu_domain *d)
{
	return (struct pcpu_dom_proc *)(d->base + d->lay.proc_off);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Readers copy a slot while it may change; state, stored last with release, says the
 * fields before it belong to the process now holding the slot (their load is acquire). */
static void describe(struct pcpu_dom_proc *p, uint32_t flags)
{
	p->pid = (int32_t)getpid();
	p->pidns = pcpu_self_pidns();
	p->start = pcpu_proc_start_time(getpid());
	p->attach_ns = now_ns();
	p->detach_ns = 0;
	p->uid = (uint32_t)geteuid();
	p->flags = flags;
	memset(p->comm, 0, sizeof(p->comm));
	/* The kernel's name of the thread, not argv[0]: a server that rewrites its argv
	 * for a process title (nginx) would leave a piece of the title there. */
	if (prctl(PR_GET_NAME, p->comm) != 0)
		p->comm[0] = '\0';
	p->comm[sizeof(p->comm) - 1] = '\0';
	atomic_store_explicit((_Atomic uint32_t *)&p->state, PCPU_PROC_ATTACHED,
			      memory_order_release);
}

/*
 * Locks a slot through fd: one never used if there is one, so that the table keeps the
 * story of the processes that left (in slot order, the order they came), else the first
 * one no process holds. The slot, or -1 with errno. Caller holds the gate.
 */
static int claim_slot(struct pcpu_domain *d, int fd)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < PCPU_PROC_CAP; i++) {
			int err;

			if (pass == 0 && slots(d)[i].state != PCPU_PROC_FREE)
				continue;
			err = pcpu_holders_slot_lock(fd, i);
			if (err == 0)
				return (int)i;
			if (err != EAGAIN)
				return errno = err, -1;
		}
	}
	return errno = EUSERS, -1;
}

int pcpu_holders_take_slot(struct pcpu_domain *d, uint32_t flags)
{
	int slot = claim_slot(d, d->fd);

	if (slot < 0)
		return errno;
	d->slot = slot;
	describe(&slots(d)[slot], flags);
	return 0;
}

void pcpu_holders_done(struct pcpu_domain *d)
{
	pcpu_holders_gate_unlock(d->fd);
}

static int keep_file(void)
{
	const char *keep = getenv("PCPU_KEEP");

	return keep != NULL && strcmp(keep, "1") == 0;
}

void pcpu_holders_leave(struct pcpu_domain *d)
{
	struct stat st;
	struct pcpu_dom_proc *p;

	if (!d->shared || d->slot < 0 || pcpu_holders_gate_lock(d->fd, 1) != 0)
		return;
	p = &slots(d)[d->slot];
	p->detach_ns = now_ns();
	atomic_store_explicit((_Atomic uint32_t *)&p->state, PCPU_PROC_DETACHED,
			      memory_order_release);
	pcpu_holders_slot_unlock(d->fd, (unsigned int)d->slot);
	d->slot = -1;
	/* Only under the gate: a process joining now waits for it, then finds the name gone
	 * and creates the file anew rather than attaching to an unlinked inode. */
	if (!keep_file() && pcpu_holders_first_held(d->fd, PCPU_DOM_PROC_MAX) < 0 && errno == 0 &&
	    lstat(d->path, &st) == 0 && st.st_dev == d->dev && st.st_ino == d->ino)
		unlink(d->path);
	pcpu_holders_gate_unlock(d->fd);
}

/* A new open file description of the domain file: /proc/self/fd reopens the very inode
 * even if the name was replaced; without /proc, the name, checked to be that inode. */
static int reopen(struct pcpu_domain *d)
{
	char path[40];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", d->fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(d->path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != d->dev || st.st_ino != d->ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * A forked child shares its parent's open file description, and with it the parent's
 * slot lock, which would make the child look like its parent and vanish with it. So each
 * child gets a slot through a description of its own, taken in the parent before fork:
 * taken in the child, a parent that exits at once (a daemon's) could find no other holder
 * and remove the file while the child is still on its way. The child then drops the
 * shared description; the parent's lock stays with the parent. Per thread: two threads
 * may fork at once.
 */
static __thread int fork_fd = -1, fork_slot = -1;

void pcpu_holders_fork_prepare(struct pcpu_domain *d)
{
	struct pcpu_dom_proc *p;
	int fd, slot;

	if (!d->shared || d->slot < 0 || (fd = reopen(d)) < 0)
		return;
	if (pcpu_holders_gate_lock(fd, 1) != 0) {
		close(fd);
		return;
	}
	slot = claim_slot(d, fd);
	if (slot >= 0) {
		/* Until the child describes itself: a fork that failed leaves "exited". */
		p = &slots(d)[slot];
		p->pid = 0;
		atomic_store_explicit((_Atomic uint32_t *)&p->state, PCPU_PROC_DETACHED,
				      memory_order_release);
		fork_fd = fd;
		fork_slot = slot;
	}
	pcpu_holders_gate_unlock(fd);
	if (fork_fd < 0)
		close(fd);
}

/* In the parent the child's description is the child's alone. */
void pcpu_holders_fork_parent(struct pcpu_domain *d)
{
	(void)d;
	if (fork_fd >= 0)
		close(fork_fd);
	fork_fd = -1;
}

void pcpu_holders_fork_child(struct pcpu_domain *d)
{
	if (!d->shared)
		return;
	if (fork_fd < 0) {
		/* No slot of its own: the parent's stays the parent's, the domain lives while
		 * the parent does, and this child leaves nothing at exit. */
		d->slot = -1;
		return;
	}
	dup3(fork_fd, d->fd, O_CLOEXEC);
	close(fork_fd);
	fork_fd = -1;
	d->slot = fork_slot;
	describe(&slots(d)[d->slot], PCPU_PROCF_FORKED);
}
