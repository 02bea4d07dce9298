/* struct pcpu contents from sysfs, and process start times from /proc. */
#include "domain/domain.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets the byte at offset field of table[c] for each CPU c of a sysfs cpulist ("0-3,8")
 * below maxcpu; a missing file marks none. */
static void mark_cpulist(const char *file, size_t field, unsigned int maxcpu, struct pcpu *table)
{
	FILE *f = fopen(file, "re");
	unsigned long lo, hi;
	char sep;

	if (f == NULL)
		return;
	while (fscanf(f, "%lu", &lo) == 1) {
		hi = lo;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-' && fscanf(f, "%lu%c", &hi, &sep) < 1)
			break;
		for (unsigned long c = lo; c <= hi && c < maxcpu; c++)
			*((uint8_t *)&table[c] + field) = 1;
		if (sep != ',')
			break;
	}
	fclose(f);
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

void pcpu_topology_fill(struct pcpu *table, unsigned int maxcpu)
{
	for (unsigned int c = 0; c < maxcpu; c++) {
		table[c].pc_cpuid = c;
		table[c].pc_core_id = table[c].pc_package_id = table[c].pc_numa_node = -1;
	}
	mark_cpulist("/sys/devices/system/cpu/present", offsetof(struct pcpu, pc_present), maxcpu,
		     table);
	mark_cpulist("/sys/devices/system/cpu/online", offsetof(struct pcpu, pc_online), maxcpu,
		     table);
	for (unsigned int c = 0; c < maxcpu; c++) {
		if (!table[c].pc_present)
			continue;
		table[c].pc_core_id = read_int(c, "topology/core_id");
		table[c].pc_package_id = read_int(c, "topology/physical_package_id");
		table[c].pc_numa_node = numa_node(c);
	}
}

/* Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the last ')'. 0 when unknown. */
uint64_t pcpu_proc_start_time(pid_t pid)
{
	char path[40], buf[1024], *p;
	unsigned long long start = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* p is at the ")" that ends field 2; the k-th space after it precedes field k + 2. */
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}
