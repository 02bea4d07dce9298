#include "domain/domtest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"

static char dir[PATH_MAX - 16], path[PATH_MAX];

const char *domtest_use_private_path(void)
{
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(path, sizeof(path), "%s/dom", dir);
	setenv("PCPU_DOMAIN", path, 1);
	return path;
}

const char *domtest_use_private_shmdir(void)
{
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(path, sizeof(path), "%s/pcpu-%lu", dir, (unsigned long)geteuid());
	setenv("PCPU_SHMDIR", dir, 1);
	unsetenv("PCPU_DOMAIN");
	return path;
}

void domtest_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

const struct pcpu_dom_header *domtest_map(const char *file, size_t *len)
{
	int fd = open(file, O_RDONLY | O_NOFOLLOW);
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

const struct pcpu_dom_sym *domtest_sym(const struct pcpu_dom_header *h, const char *name)
{
	const struct pcpu_dom_sym *tab =
		(const struct pcpu_dom_sym *)((const char *)h + h->sym_off);

	for (uint32_t i = 0; i < h->sym_count; i++)
		if (tab[i].kind != PCPU_SYM_FREE && strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

const void *domtest_at(const struct pcpu_dom_header *h, uint64_t addr)
{
	return (const char *)h + (addr - h->writer_base);
}

uint64_t domtest_counter_sum(const struct pcpu_dom_header *h, uint64_t base)
{
	uint64_t sum = 0;

	for (uint32_t c = 0; c < h->maxcpu; c++) {
		const uint64_t *w = domtest_at(h, base + (uint64_t)c * h->stride);

		sum += w[PCPU_COUNTER_VALUE] - w[PCPU_COUNTER_ADJ];
	}
	return sum;
}

static pid_t spawn(const char *prog, int io[2], const char *arg, va_list ap)
{
	char rel[64];
	const char *argv[8] = {prog, arg};
	int in[2], out[2], n = 2;
	pid_t pid;

	while (n < 7 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	argv[n] = NULL;
	snprintf(rel, sizeof(rel), "tests/domain/%s", prog);
	if (io != NULL && (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (io != NULL) {
			dup2(in[0], 0);
			dup2(out[1], 1);
			close(in[1]);
			close(out[0]);
		}
		execv(test_built_binary(rel), (char *const *)argv);
		_exit(127);
	}
	if (io != NULL) {
		close(in[0]);
		close(out[1]);
		io[0] = out[0];
		io[1] = in[1];
	}
	return pid;
}

pid_t domtest_spawn(int io[2], const char *arg, ...)
{
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	pid = spawn("attach_prog", io, arg, ap);
	va_end(ap);
	return pid;
}

pid_t domtest_spawn_prog(const char *prog, int io[2], const char *arg, ...)
{
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	pid = spawn(prog, io, arg, ap);
	va_end(ap);
	return pid;
}

const char *domtest_read_line(int fd)
{
	static char line[PATH_MAX];
	size_t n = 0;

	while (n < sizeof(line) - 1 && read(fd, &line[n], 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	return line;
}
