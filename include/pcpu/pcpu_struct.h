/*
 * <pcpu/pcpu_struct.h> -- struct pcpu, shared by <pcpu/pcpu.h> (the writer) and
 * <pcpu/kvm.h> readers. A domain file holds one struct pcpu per possible CPU, so this
 * layout is part of the domain format (doc/domain-format.md): only ever append fields,
 * taking them from pc_spare.
 */
#ifndef PCPU_PCPU_STRUCT_H
#define PCPU_PCPU_STRUCT_H

#include <stdint.h>

#ifndef CPUSTATES
#define CP_USER 0
#define CP_NICE 1
#define CP_SYS 2
#define CP_INTR 3
#define CP_IDLE 4
#define CPUSTATES 5
#endif

struct pcpu {
	uint32_t pc_cpuid;  /* this CPU's id */
	uint8_t pc_present; /* listed in /sys/devices/system/cpu/present */
	uint8_t pc_online;  /* listed in /sys/devices/system/cpu/online */
	uint16_t pc_spare16;
	int32_t pc_core_id;    /* topology/core_id, -1 if unknown */
	int32_t pc_package_id; /* topology/physical_package_id, -1 if unknown */
	int32_t pc_numa_node;  /* NUMA node, -1 if unknown */
	uint32_t pc_spare32;
	uint64_t pc_dynamic;		/* writer's address of this CPU's DPCPU block */
	uint64_t pc_cp_time[CPUSTATES]; /* USER_HZ ticks per state (kernel target) */
	uint64_t pc_spare[7];
};

#ifdef __cplusplus
static_assert(sizeof(struct pcpu) == 128, "struct pcpu is part of the domain format");
#else
_Static_assert(sizeof(struct pcpu) == 128, "struct pcpu is part of the domain format");
#endif

#endif
