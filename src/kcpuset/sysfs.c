/* The possible, present and online CPU sets, read from sysfs cpulists. */
#include <pcpu/kcpuset.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* sysfs lists stay far below this even at 8192 CPUs ("0,2,4,..." is ~40 KiB). */
#define SYSFS_LIST_MAX (1u << 20)

/* Reads a whole small file into a NUL-terminated buffer that the caller frees. */
static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	char *buf = NULL, *bigger;
	ssize_t n = 1;

	if (fd < 0)
		return NULL;
	while (n > 0) {
		if (len + 1 >= cap && (cap *= 2) > SYSFS_LIST_MAX) {
			errno = EFBIG;
			break;
		}
		if ((bigger = realloc(buf, cap)) == NULL)
			break;
		buf = bigger;
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	if (n != 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static int read_cpulist(const char *path, kcpuset_t *kcp)
{
	char *text = read_text(path);
	int rc;

	if (text == NULL)
		return -1;
	rc = kcpuset_parse_list(kcp, text, NULL);
	free(text);
	return rc;
}

int kcpuset_possible(kcpuset_t *kcp)
{
	return read_cpulist("/sys/devices/system/cpu/possible", kcp);
}

int kcpuset_present(kcpuset_t *kcp)
{
	return read_cpulist("/sys/devices/system/cpu/present", kcp);
}

int kcpuset_online(kcpuset_t *kcp)
{
	return read_cpulist("/sys/devices/system/cpu/online", kcp);
}
