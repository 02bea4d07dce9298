/* /proc reads of pcpu(1). */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most len - 1 bytes of a /proc file into buf: their number, or -1 with errno. */
static ssize_t read_proc(pid_t pid, const char *leaf, char *buf, size_t len)
{
	char file[64];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "/proc/%d/%s", (int)pid, leaf);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int proc_start(pid_t pid, uint64_t *start)
{
	char buf[1024];
	unsigned long long v;
	const char *p;

	if (read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return -1;
	/* comm (field 2) may hold spaces and parentheses: fields resume after the last ')';
	 * the space before field k is the (k - 2)th after it. */
	p = strrchr(buf, ')');
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1) {
		errno = EINVAL;
		return -1;
	}
	*start = v;
	return 0;
}

int proc_own_pidns(uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) != 0)
		return -1;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

void proc_title(pid_t pid, char *buf, size_t len)
{
	ssize_t n = pid > 0 ? read_proc(pid, "cmdline", buf, len) : -1;

	while (n > 0 && buf[n - 1] == '\0')
		n--;
	if (n <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}
