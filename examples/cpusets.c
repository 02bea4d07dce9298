/*
 * Prints this machine's CPU sets -- possible, present, online -- and this process's
 * affinity, each as a cpulist, as a hex mask and as a count. Run by `./dev.sh demo`.
 */
#include <pcpu/kcpuset.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formats with a first call that measures, then a second into a buffer that fits. */
static char *format(size_t (*fmt)(const kcpuset_t *, char *, size_t), const kcpuset_t *kcp)
{
	size_t len = fmt(kcp, NULL, 0);
	char *text = malloc(len + 1);

	if (text != NULL)
		fmt(kcp, text, len + 1);
	return text;
}

static int show(const char *name, int (*get)(kcpuset_t *), kcpuset_t *kcp)
{
	char *list, *mask;

	if (get(kcp) != 0) {
		fprintf(stderr, "cpusets: %s: %s\n", name, strerror(errno));
		return 1;
	}
	list = format(kcpuset_format_list, kcp);
	mask = format(kcpuset_format_mask, kcp);
	if (list == NULL || mask == NULL) {
		fprintf(stderr, "cpusets: %s\n", strerror(ENOMEM));
		free(list);
		free(mask);
		return 1;
	}
	printf("%-9s %-20s mask %-20s %d CPU%s\n", name, list, mask, kcpuset_countset(kcp),
	       kcpuset_countset(kcp) == 1 ? "" : "s");
	free(list);
	free(mask);
	return 0;
}

static int own_affinity(kcpuset_t *kcp)
{
	return kcpuset_getaffinity(0, kcp);
}

int main(void)
{
	kcpuset_t *kcp;
	int rc = 0;

	kcpuset_create(&kcp, true);
	if (kcp == NULL) {
		perror("cpusets");
		return 1;
	}
	printf("CPU sets of this machine (every set holds CPUs 0-%u)\n", kcpuset_capacity() - 1);
	rc |= show("possible", kcpuset_possible, kcp);
	rc |= show("present", kcpuset_present, kcp);
	rc |= show("online", kcpuset_online, kcp);
	rc |= show("affinity", own_affinity, kcp);
	kcpuset_destroy(kcp);
	return rc;
}
