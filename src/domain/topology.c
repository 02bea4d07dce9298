/* struct pcpu contents from sysfs, and process start times from /proc. */
#include "domain/topology.h"

#include "domain/domain.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kcpuset.h>

/* Sets pc_present or pc_online (by offset) of every CPU in the set that read() fills from
 * sysfs; none when the file cannot be read. */
static void mark_set(int (*read)(kcpuset_t *), size_t field, unsigned int maxcpu,
		     struct pcpu *table)
{
	kcpuset_t *set;

	kcpuset_create(&set, true);
	if (set == NULL)
		return;
	if (read(set) == 0)
		for (unsigned int c = 0; c < maxcpu; c++)
			*((uint8_t *)&table[c] + field) = kcpuset_isset(set, c) ? 1 : 0;
	kcpuset_destroy(set);
}

static int32_t read_int(unsigned int cpu, const char *leaf)
{
	char path[96];
	FILE *f;
	int v;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/%s", cpu, leaf);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The NUMA node is the nodeN entry in the CPU's sysfs directory. */
static int32_t numa_node(unsigned int cpu)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int32_t node = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u", cpu);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9') {
			node = (int32_t)atoi(e->d_name + 4);
			break;
		}
	closedir(dir);
	return node;
}

void pcpu_topology_read(unsigned int cpu, struct pcpu *pc)
{
	pc->pc_core_id = read_int(cpu, "topology/core_id");
	pc->pc_package_id = read_int(cpu, "topology/physical_package_id");
	pc->pc_numa_node = numa_node(cpu);
}

void pcpu_topology_fill(struct pcpu *table, unsigned int maxcpu)
{
	for (unsigned int c = 0; c < maxcpu; c++) {
		table[c].pc_cpuid = c;
		table[c].pc_core_id = table[c].pc_package_id = table[c].pc_numa_node = -1;
	}
	mark_set(kcpuset_present, offsetof(struct pcpu, pc_present), maxcpu, table);
	mark_set(kcpuset_online, offsetof(struct pcpu, pc_online), maxcpu, table);
	for (unsigned int c = 0; c < maxcpu; c++) {
		if (!table[c].pc_present)
			continue;
		pcpu_topology_read(c, &table[c]);
	}
}

/* Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the last ')'. 0 when unknown. */
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
