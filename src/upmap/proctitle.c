/*
 * The process title: Linux shows the bytes between the kernel's arg_start and arg_end
 * (our argv strings) as /proc/PID/cmdline, which ps(1) prints. A title is written over
 * that area, NUL-padded to its end, so it is truncated to the original arguments' length;
 * the original bytes are saved at first use and put back for an empty title.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/proc.h"
#include "upmap/upmap_private.h"

enum { STAT_FIELD_ARG_START = 48 };

static pthread_once_t title_once = PTHREAD_ONCE_INIT;
static char *title_area;
static size_t title_len;
static char *title_orig;
static int title_errno;
static int title_busy; /* spin flag: ukp_setproctitle() and the upmap thread */
static char title_shown[UPMAP_MAXPROCTITLE]; /* what the area shows; "" = original */

/* Reads arg_start and arg_end, fields 48 and 49 of /proc/self/stat (Linux 3.5+). */
static int title_locate(uintptr_t *start, uintptr_t *end)
{
	char buf[4096];
	const char *p;

	if (pcpu_proc_read(getpid(), "stat", buf, sizeof(buf)) <= 0 ||
	    (p = pcpu_proc_stat_field(buf, STAT_FIELD_ARG_START)) == NULL ||
	    sscanf(p, "%" SCNuPTR " %" SCNuPTR, start, end) != 2)
		return -1;
	return 0;
}

static void title_init(void)
{
	uintptr_t start, end;

	if (title_locate(&start, &end) != 0 || end <= start + 1 || end - start > (1u << 20)) {
		title_errno = ENOTSUP;
		return;
	}
	title_orig = malloc(end - start);
	if (title_orig == NULL) {
		title_errno = ENOMEM;
		return;
	}
	memcpy(title_orig, (const void *)start, end - start);
	title_len = end - start;
	title_area = (char *)start;
}

static int title_lock(bool wait)
{
	pthread_once(&title_once, title_init);
	if (title_area == NULL) {
		errno = title_errno;
		return -1;
	}
	/* Acquire pairs with the release in title_unlock(): the area, title_shown and the
	 * upmap field are only touched while holding the flag. */
	while (__atomic_exchange_n(&title_busy, 1, __ATOMIC_ACQUIRE) != 0) {
		if (!wait) {
			errno = EBUSY;
			return -1;
		}
		sched_yield();
	}
	return 0;
}

static void title_unlock(void)
{
	__atomic_store_n(&title_busy, 0, __ATOMIC_RELEASE);
}

/* Shows field's string (copied with atomic loads: the program may store into it at any
 * time) unless it is shown already. Called with the flag held. */
static void title_show(const char *field)
{
	char want[UPMAP_MAXPROCTITLE];
	size_t n = 0;

	while (n < sizeof(want) - 1 && (want[n] = __atomic_load_n(&field[n], __ATOMIC_RELAXED)))
		n++;
	want[n] = '\0';
	if (strcmp(want, title_shown) == 0)
		return;
	if (n == 0) {
		memcpy(title_area, title_orig, title_len);
	} else {
		size_t len = n < title_len - 1 ? n : title_len - 1;

		memcpy(title_area, want, len);
		memset(title_area + len, 0, title_len - len);
	}
	memcpy(title_shown, want, n + 1);
}

int pcpu_proctitle_apply(const char *field, bool wait)
{
	if (title_lock(wait) != 0)
		return -1;
	title_show(field);
	title_unlock();
	return 0;
}

void pcpu_proctitle_after_fork(struct sys_upmap *u)
{
	__atomic_store_n(&title_busy, 0, __ATOMIC_RELAXED);
	if (title_shown[0] != '\0' && u->proc_title[0] == '\0')
		memcpy(u->proc_title, title_shown, strlen(title_shown) + 1);
}

/* No system call or allocation after the first use; the flag is only contended by the
 * upmap thread, which holds it for one title copy. */
int ukp_setproctitle(const char *fmt, ...)
{
	struct sys_upmap *u = pcpu_upmap_get();
	va_list ap;

	if (u == NULL || title_lock(true) != 0)
		return -1;
	if (fmt == NULL) {
		u->proc_title[0] = '\0';
	} else {
		va_start(ap, fmt);
		vsnprintf(u->proc_title, sizeof(u->proc_title), fmt, ap);
		va_end(ap);
	}
	title_show(u->proc_title);
	title_unlock();
	return 0;
}
