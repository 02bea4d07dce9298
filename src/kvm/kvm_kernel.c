/*
 * The kernel target (corefile NULL): the running Linux kernel as far as /proc and /sys
 * show it. Possible CPUs play the part of FreeBSD's mp_maxcpus, online CPUs of mp_ncpus,
 * and /proc/stat gives each CPU's time per state in USER_HZ ticks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcpu/kcpuset.h>

#include "kvm/kvm_private.h"
#include "sys/topology.h"

#define SYS_CPU "/sys/devices/system/cpu"

typedef int read_set_fn(kcpuset_t *);

/* One of the sysfs CPU sets (possible, present, online), read now; caller destroys it. */
static kcpuset_t *sys_set(kvm_t *kd, read_set_fn *read_set, const char *which)
{
	kcpuset_t *set;

	kcpuset_create(&set, true);
	if (set == NULL) {
		kvm_err(kd, ENOMEM, "out of memory for the %s CPU set", which);
		return NULL;
	}
	if (read_set(set) != 0) {
		kvm_err(kd, errno, "cannot read " SYS_CPU "/%s: %s", which, strerror(errno));
		kcpuset_destroy(set);
		return NULL;
	}
	return set;
}

int kvm_kernel_reload(kvm_t *kd)
{
	kcpuset_t *possible = sys_set(kd, kcpuset_possible, "possible");
	cpuid_t cpu, last = KCPUSET_NONE;

	if (possible == NULL)
		return -1;
	for (cpu = kcpuset_next(possible, 0); cpu != KCPUSET_NONE;
	     cpu = kcpuset_next(possible, cpu + 1))
		last = cpu;
	kcpuset_destroy(possible);
	if (last == KCPUSET_NONE) {
		kvm_err(kd, EINVAL, SYS_CPU "/possible lists no CPU");
		return -1;
	}
	kd->kmaxcpu = last + 1;
	return 0;
}

int kvm_kernel_ncpus(kvm_t *kd)
{
	kcpuset_t *online = sys_set(kd, kcpuset_online, "online");
	int n;

	if (online == NULL)
		return -1;
	n = kcpuset_countset(online);
	kcpuset_destroy(online);
	return n;
}

/* 1 when cpu is in both the present and the online set, 0 when not, -1 on error. */
static int cpu_active(kvm_t *kd, unsigned int cpu)
{
	kcpuset_t *present = sys_set(kd, kcpuset_present, "present"), *online;
	int active;

	if (present == NULL)
		return -1;
	online = sys_set(kd, kcpuset_online, "online");
	active = online == NULL ? -1 : kcpuset_isset(present, cpu) && kcpuset_isset(online, cpu);
	kcpuset_destroy(present);
	if (online != NULL)
		kcpuset_destroy(online);
	return active;
}

/*
 * The times of the /proc/stat line labelled label ("cpu" is the total), in CP_* order:
 * interrupt time is irq + softirq, and idle includes iowait (the CPU was idle). Fields
 * a kernel does not have stay zero. Returns 1, or 0 when there is no such line (an
 * offline CPU; t is zeroed), or -1.
 */
static int stat_times(kvm_t *kd, const char *label, uint64_t t[CPUSTATES])
{
	FILE *f = fopen("/proc/stat", "re");
	size_t len = strlen(label), cap = 0;
	unsigned long long v[7] = {0};
	char *line = NULL;
	int found = 0;

	if (f == NULL) {
		kvm_err(kd, errno, "cannot read /proc/stat: %s", strerror(errno));
		return -1;
	}
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, label, len) == 0 && line[len] == ' ')
			found = sscanf(line + len, "%llu %llu %llu %llu %llu %llu %llu", &v[0],
				       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) >= 4;
	}
	free(line);
	fclose(f);
	t[CP_USER] = v[0];
	t[CP_NICE] = v[1];
	t[CP_SYS] = v[2];
	t[CP_IDLE] = v[3] + v[4];
	t[CP_INTR] = v[5] + v[6];
	return found;
}

int kvm_kernel_pcpu(kvm_t *kd, unsigned int cpu, struct pcpu *pc)
{
	char label[16];
	int active = cpu_active(kd, cpu);

	if (active <= 0)
		return active;
	*pc = (struct pcpu){
		.pc_cpuid = cpu,
		.pc_present = 1,
		.pc_online = 1,
	};
	pcpu_topology_read(cpu, pc);
	snprintf(label, sizeof(label), "cpu%u", cpu);
	return stat_times(kd, label, pc->pc_cp_time) < 0 ? -1 : 1;
}

int kvm_kernel_cptime(kvm_t *kd, long *cp_time)
{
	uint64_t t[CPUSTATES];

	switch (stat_times(kd, "cpu", t)) {
	case -1:
		return -1;
	case 0:
		kvm_err(kd, EINVAL, "/proc/stat has no \"cpu\" line");
		return -1;
	}
	for (int i = 0; i < CPUSTATES; i++)
		cp_time[i] = (long)t[i];
	return 0;
}
