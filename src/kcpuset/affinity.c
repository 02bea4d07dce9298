/*
 * Thread affinity without cpu_set_t's 1024-CPU limit: masks are sized from the set,
 * and grown when the kernel (whose nr_cpu_ids may exceed what sysfs told us) refuses.
 */
#include "kcpuset/kcpuset_impl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* 8 Mi CPUs: far above any kernel's NR_CPUS, so growing stops on a real error. */
#define AFFINITY_MASK_MAX (1u << 20)

int kcpuset_getaffinity(pid_t tid, kcpuset_t *kcp)
{
	size_t size = kcp->kc_nwords * sizeof(unsigned long);

	for (;;) {
		cpu_set_t *mask = calloc(1, size);
		int rc;

		if (mask == NULL)
			return -1;
		rc = sched_getaffinity(tid, size, mask);
		if (rc == 0) {
			/* A CPU the set cannot hold: report it rather than drop it. */
			rc = kcpuset_copyin(mask, kcp, size) == 0 ? 0 : ERANGE;
			free(mask);
			errno = rc;
			return rc == 0 ? 0 : -1;
		}
		rc = errno;
		free(mask);
		if (rc != EINVAL || size >= AFFINITY_MASK_MAX) {
			errno = rc;
			return -1;
		}
		size *= 2;
	}
}

int kcpuset_setaffinity(pid_t tid, const kcpuset_t *kcp)
{
	return sched_setaffinity(tid, kcp->kc_nwords * sizeof(unsigned long),
				 (const cpu_set_t *)(const void *)kcp->kc_bits);
}

/*
 * Every thread of a process, as `taskset -a`. Threads that exit meanwhile (ESRCH) are
 * skipped; threads created meanwhile inherit their creator's mask, old or new.
 */
int kcpuset_setaffinity_all(pid_t pid, const kcpuset_t *kcp)
{
	char path[48];
	struct dirent *de;
	DIR *dir;
	int rc = 0, saved = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)(pid == 0 ? getpid() : pid));
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || tid <= 0)
			continue;
		if (kcpuset_setaffinity((pid_t)tid, kcp) != 0 && errno != ESRCH && rc == 0) {
			rc = -1;
			saved = errno;
		}
	}
	closedir(dir);
	if (rc != 0)
		errno = saved;
	return rc;
}
