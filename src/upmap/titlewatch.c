/*
 * The title watcher: shows a direct store into proc_title within a wall-clock tick, and
 * costs an idle process nothing. The first page of the upmap (the header, runticks, pid,
 * invfork and the title) is write-protected through userfaultfd(2); the watcher thread
 * sleeps in read(2) on it until a thread of the process stores into the page. Then it
 * lifts the protection (the store completes), waits half a tick for the program to finish
 * writing its title, protects the page again and shows the field.
 *
 * Why nothing is missed: UFFDIO_WRITEPROTECT returns after the kernel has changed the
 * page table and flushed the TLBs of every CPU that runs the process; a store that
 * reached the page before that is visible to our read of the field after it (the flush
 * interrupts the storing CPU, which drains its store buffer), and a store after it faults
 * and starts another round. The faulting thread waits only until the protection is
 * lifted, a few microseconds: the watcher takes no lock before doing so.
 *
 * Where userfaultfd is missing, refused (seccomp) or lacks write protection of anonymous
 * memory (Linux < 5.7), the upmap thread applies the title instead (ticker.c), after a
 * tick of CPU time. Unprivileged processes get a user-mode-only watch: a system call that
 * writes into the first page (read(2) into proc_title) fails with EFAULT; see upmap(4).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

enum { WATCH_LEN = 4096 }; /* the page of offsets 0..4095: the whole of struct sys_upmap */

_Static_assert(sizeof(struct sys_upmap) <= WATCH_LEN, "the upmap fields share one page");

static int watch_fd = -1;

static int watch_protect(struct sys_upmap *u, bool on)
{
	struct uffdio_writeprotect wp = {
		.range = {(uintptr_t)u, WATCH_LEN},
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(watch_fd, UFFDIO_WRITEPROTECT, &wp);
}

/* Half a tick: the program's stores of one title land within it, and the title still
 * shows within a tick of the first store. */
static void watch_settle(void)
{
	struct timespec half = {0, (long)(500000000u / pcpu_upmap_tick_hz())};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &half, &half) == EINTR)
		;
}

static void *watch_main(void *arg)
{
	struct sys_upmap *u = arg;
	struct uffd_msg msg;

	pthread_setname_np(pthread_self(), "pcpu-title");
	for (;;) {
		ssize_t n = read(watch_fd, &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(msg))
			return NULL;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		/* Lifting the protection wakes the faulting thread. */
		watch_protect(u, false);
		watch_settle();
		watch_protect(u, true);
		/* EBUSY: ukp_setproctitle() holds the title and shows the field itself. Never
		 * wait here: its own store into the field may be waiting for us to read. */
		pcpu_proctitle_apply(u->proc_title, false);
	}
}

/* userfaultfd with kernel faults if we may, else user-mode faults only. */
static int watch_open(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0 && errno == EPERM)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	return fd;
}

static int watch_register(struct sys_upmap *u)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {
		.range = {(uintptr_t)u, WATCH_LEN},
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(watch_fd, UFFDIO_API, &api) != 0 || ioctl(watch_fd, UFFDIO_REGISTER, &reg) != 0)
		return -1;
	if ((reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT)) == 0) {
		errno = ENOTSUP;
		return -1;
	}
	return watch_protect(u, true);
}

bool pcpu_title_watch_start(struct sys_upmap *u)
{
	watch_fd = watch_open();
	if (watch_fd < 0)
		return false;
	if (watch_register(u) != 0) {
		close(watch_fd);
		watch_fd = -1;
		return false;
	}
	if (pcpu_upmap_thread_start(watch_main, u) != 0) {
		/* Closing the descriptor ends the watch and wakes any faulting thread. */
		close(watch_fd);
		watch_fd = -1;
		return false;
	}
	return true;
}

void pcpu_title_watch_after_fork(void)
{
	/* The inherited descriptor watches the parent's memory, not ours. */
	if (watch_fd >= 0)
		close(watch_fd);
	watch_fd = -1;
}
