/* The large domain of the pcpu(1) benchmarks. */
#include "bigdomain.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

static char dir[] = "/tmp/pcpu-bench.XXXXXX";
static char path[PATH_MAX];

const char *big_domain(void)
{
	static counter_u64_t c[BIG_COUNTERS];

	if (!mkdtemp(dir)) {
		perror("bench: mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/pcpu.bench", dir);
	setenv("PCPU_MAXCPU", BIG_MAXCPU, 1);
	setenv("PCPU_DOMAIN", path, 1);
	for (int i = 0; i < BIG_COUNTERS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "bench.counter_%04d", i);
		if (pcpu_counter_define_early(&c[i], name) != 0) {
			perror("bench: pcpu_counter_define_early");
			exit(1);
		}
		counter_u64_add(c[i], i);
	}
	if (!pcpu_domain_path()) {
		perror("bench: domain");
		exit(1);
	}
	return path;
}

void big_domain_cleanup(void)
{
	/* The library removes the file at exit; nothing else is in the directory then. */
	unlink(path);
	rmdir(dir);
}

double big_domain_mib(void)
{
	struct stat st;

	return stat(path, &st) == 0 ? (double)st.st_size / (1 << 20) : -1;
}

void big_domain_describe(void)
{
	printf("domain: %s CPU slots, %d counters, %.1f MiB file\n", BIG_MAXCPU, BIG_COUNTERS,
	       big_domain_mib());
}

const char *pcpu_path(void)
{
	static char pcpu[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		perror("bench: /proc/self/exe");
		exit(1);
	}
	self[n] = '\0';
	snprintf(pcpu, sizeof(pcpu), "%s/../tools/pcpu/pcpu", dirname(self));
	return pcpu;
}
