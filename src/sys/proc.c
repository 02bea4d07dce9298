/* Process start times and PID namespaces from /proc, safe in a forked child. */
#include "sys/proc.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Reads a small /proc file whole with open and read only, so that a forked child may. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
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
uint64_t pcpu_proc_start_time(pid_t pid)
{
	char path[40] = "/proc/", buf[1024], *p;
	char digits[24];
	int n = 0;

	/* No stdio: the pid's digits by hand. */
	for (unsigned long v = (unsigned long)pid; n == 0 || v != 0; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	for (p = path + 6; n > 0;)
		*p++ = digits[--n];
	strcpy(p, "/stat");
	if (read_small(path, buf, sizeof(buf)) <= 0 || (p = strrchr(buf, ')')) == NULL)
		return 0;
	/* p is at the ")" that ends field 2; the k-th space after it precedes field k + 2. */
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p == NULL ? 0 : parse_u64(p + 1);
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
