/*
 * The kernel target (corefile NULL): the running Linux kernel as far as /proc and /sys
 * show it. Possible CPUs play the part of FreeBSD's mp_maxcpus, online CPUs of mp_ncpus,
 * and /proc/stat gives each CPU's time per state in USER_HZ ticks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_private.h"

#define SYS_CPU "/sys/devices/system/cpu"

/* What a Linux cpulist ("0-3,8") says: how many ids, the largest, and whether cpu is in. */
struct cpulist {
	unsigned int count;
	unsigned int last;
	int has_cpu;
};

static int read_text(kvm_t *kd, const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL) {
		kvm_err(kd, errno, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static int parse_cpulist(const char *s, unsigned int cpu, struct cpulist *cl)
{
	*cl = (struct cpulist){0};
	while (*s != '\0' && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s || *s < '0' || *s > '9')
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || *s < '0' || *s > '9' || b < a)
				return -1;
		}
		if (b >= PCPU_DOM_MAXCPU_LIMIT)
			return -1;
		cl->count += (unsigned int)(b - a + 1);
		cl->last = (unsigned int)b;
		cl->has_cpu |= cpu >= a && cpu <= b;
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* Reads /sys/devices/system/cpu/<which> ("possible", "present", "online"). */
static int sys_cpulist(kvm_t *kd, const char *which, unsigned int cpu, struct cpulist *cl)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), SYS_CPU "/%s", which);
	if (read_text(kd, path, buf, sizeof(buf)) != 0)
		return -1;
	if (parse_cpulist(buf, cpu, cl) != 0 || cl->count == 0) {
		kvm_err(kd, EINVAL, "%s: not a CPU list: \"%.40s\"", path, buf);
		return -1;
	}
	return 0;
}

int kvm_kernel_maxcpu(kvm_t *kd, unsigned int *maxcpu)
{
	struct cpulist cl;

	if (sys_cpulist(kd, "possible", 0, &cl) != 0)
		return -1;
	*maxcpu = cl.last + 1;
	return 0;
}

int kvm_kernel_open(kvm_t *kd)
{
	return kvm_kernel_maxcpu(kd, &kd->kmaxcpu);
}

int kvm_kernel_ncpus(kvm_t *kd)
{
	struct cpulist cl;

	return sys_cpulist(kd, "online", 0, &cl) != 0 ? -1 : (int)cl.count;
}

/* A topology value of cpu, or -1 when the kernel does not show it. */
static int32_t topology(unsigned int cpu, const char *name)
{
	char path[96];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), SYS_CPU "/cpu%u/topology/%s", cpu, name);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The NUMA node shows as a "node<N>" link in the CPU's directory. */
static int32_t numa_node(unsigned int cpu)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int node = -1;

	snprintf(path, sizeof(path), SYS_CPU "/cpu%u", cpu);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && node < 0)
		if (strncmp(e->d_name, "node", 4) == 0 && sscanf(e->d_name + 4, "%d", &node) != 1)
			node = -1;
	closedir(d);
	return node;
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
	struct cpulist present, online;
	char label[16];

	if (sys_cpulist(kd, "present", cpu, &present) != 0 ||
	    sys_cpulist(kd, "online", cpu, &online) != 0)
		return -1;
	if (!present.has_cpu || !online.has_cpu)
		return 0;
	*pc = (struct pcpu){
		.pc_cpuid = cpu,
		.pc_present = 1,
		.pc_online = 1,
		.pc_core_id = topology(cpu, "core_id"),
		.pc_package_id = topology(cpu, "physical_package_id"),
		.pc_numa_node = numa_node(cpu),
	};
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
