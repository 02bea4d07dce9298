/* A CPU's place in the machine as sysfs shows it: used by the domain writer for its
 * struct pcpu table and by the kvm reader's kernel target (corefile NULL). */
#ifndef PCPU_SYS_TOPOLOGY_H
#define PCPU_SYS_TOPOLOGY_H

#include <pcpu/pcpu_struct.h>

/* Sets pc_core_id, pc_package_id and pc_numa_node of cpu; -1 for what sysfs does not show. */
void pcpu_topology_read(unsigned int cpu, struct pcpu *pc);

#endif
