/* The writer's struct pcpu table: which CPUs are present and online, and where each is. */
#include "domain/domain.h"

#include <pcpu/kcpuset.h>

#include "sys/topology.h"

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
