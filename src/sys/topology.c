/* A CPU's core, package and NUMA node from /sys/devices/system/cpu. */
#include "sys/topology.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
