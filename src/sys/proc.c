/* Process start times and PID namespaces from /proc, safe in a forked child. */
#include "sys/proc.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

ssize_t pcpu_proc_read(pid_t pid, const char *leaf, char *buf, size_t len)
{
	char path[64] = "/proc/", digits[24], *p = path + 6;
	int n = 0, fd;
	ssize_t got;

	/* No stdio: the pid's digits by hand. */
	for (unsigned long v = (unsigned long)pid; n == 0 || v != 0; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	while (n > 0)
		*p++ = digits[--n];
	*p++ = '/';
	if (strlen(leaf) >= sizeof(path) - (size_t)(p - path))
		return -1;
	strcpy(p, leaf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	got = read(fd, buf, len - 1);
	close(fd);
	if (got >= 0)
		buf[got] = '\0';
	return got;
}

static uint64_t parse_u64(const char *p)
{
	uint64_t v = 0;

	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

/* The command name (field 2) may hold spaces and parentheses, so fields are counted
 * from the last ')'. */
const char *pcpu_proc_stat_field(const char *stat, int field)
{
	const char *p = strrchr(stat, ')');

	/* p is at the ")" that ends field 2; the k-th space after it precedes field k + 2. */
	for (int f = 2; f < field && p != NULL; f++)
		p = strchr(p + 1, ' ');
	return p == NULL || field < 3 ? NULL : p + 1;
}

uint64_t pcpu_proc_start_time(pid_t pid)
{
	char buf[1024];
	const char *p;

	if (pcpu_proc_read(pid, "stat", buf, sizeof(buf)) <= 0 ||
	    (p = pcpu_proc_stat_field(buf, 22)) == NULL)
		return 0;
	return parse_u64(p);
}

uint64_t pcpu_self_pidns(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);

	if (n <= 5 || strncmp(link, "pid:[", 5) != 0)
		return 0;
	link[n] = '\0';
	return parse_u64(link + 5);
}
