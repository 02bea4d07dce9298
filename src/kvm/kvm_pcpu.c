/*
 * The per-CPU functions of kvm_getpcpu(3): struct pcpu, DPCPU CPU selection, zpcpu and
 * counter(9) reads, and kvm_getcptime.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "kvm/kvm_private.h"

static int check_cpu(kvm_t *kd, const char *fn, long cpu)
{
	if (cpu >= 0 && cpu < (long)kvm_maxcpu(kd))
		return 0;
	kvm_err(kd, EINVAL, "%s: CPU %ld is not in 0..%u", fn, cpu, kvm_maxcpu(kd) - 1);
	return -1;
}

/* Copies the first 128 bytes (the v1 struct pcpu) of CPU slot cpu of the domain. */
static int domain_slot(kvm_t *kd, unsigned int cpu, struct pcpu *pc)
{
	uint64_t off = kd->lay.pcpu_off + (uint64_t)cpu * kd->lay.pcpu_size;

	if (kvm_domain_span(kd, off, sizeof(*pc), "struct pcpu table") != 0)
		return -1;
	return kvm_domain_copy(kd, off, pc, sizeof(*pc));
}

/* Active means present and online. */
int kvm_domain_pcpu(kvm_t *kd, unsigned int cpu, struct pcpu *pc)
{
	if (domain_slot(kd, cpu, pc) != 0)
		return -1;
	return pc->pc_present && pc->pc_online;
}

int kvm_domain_ncpus(kvm_t *kd)
{
	struct pcpu pc;
	int n = 0, r;

	for (unsigned int cpu = 0; cpu < kd->lay.maxcpu; cpu++) {
		if ((r = kvm_domain_pcpu(kd, cpu, &pc)) < 0)
			return -1;
		n += r;
	}
	return n;
}

int kvm_getmaxcpu(kvm_t *kd)
{
	if (kd == NULL) {
		errno = EINVAL;
		return -1;
	}
	return kvm_cache_check(kd) != 0 ? -1 : (int)kvm_maxcpu(kd);
}

int kvm_getncpus(kvm_t *kd)
{
	if (kd == NULL) {
		errno = EINVAL;
		return -1;
	}
	return kvm_cache_check(kd) != 0 ? -1 : kd->ops->ncpus(kd);
}

void *kvm_getpcpu(kvm_t *kd, int cpu)
{
	struct pcpu pc, *copy;
	int r;

	if (kd == NULL) {
		kvm_cache_clear_all();
		return NULL;
	}
	if (kvm_cache_check(kd) != 0 || check_cpu(kd, "kvm_getpcpu", cpu) != 0)
		return (void *)-1;
	if ((r = kd->ops->pcpu(kd, (unsigned int)cpu, &pc)) <= 0)
		return r == 0 ? NULL : (void *)-1;
	if ((copy = malloc(sizeof(*copy))) == NULL) {
		kvm_err(kd, ENOMEM, "kvm_getpcpu: out of memory");
		return (void *)-1;
	}
	*copy = pc;
	return copy;
}

int kvm_dpcpu_setcpu(kvm_t *kd, unsigned int cpu)
{
	if (kd == NULL) {
		kvm_cache_clear_all();
		return 0;
	}
	if (kvm_need_domain(kd, "kvm_dpcpu_setcpu") != 0 || kvm_cache_check(kd) != 0)
		return -1;
	if (cpu >= kd->lay.maxcpu) {
		kvm_err(kd, EINVAL, "kvm_dpcpu_setcpu: CPU %u is not in 0..%u", cpu,
			kd->lay.maxcpu - 1);
		return -1;
	}
	kd->dpcpu_cpu = cpu;
	return 0;
}

ssize_t kvm_read_zpcpu(kvm_t *kd, unsigned long base, void *buf, size_t size, int cpu)
{
	uint64_t off;

	if (kd == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, "kvm_read_zpcpu") != 0 || kvm_cache_check(kd) != 0 ||
	    check_cpu(kd, "kvm_read_zpcpu", cpu) != 0 ||
	    kvm_domain_zpcpu(kd, base, size, &off) != 0)
		return -1;
	/* size <= stride now, so size fits ssize_t and the copy is inside the chunk. */
	if (kvm_domain_copy(kd, off + (uint64_t)cpu * kd->lay.stride, buf, size) != 0)
		return -1;
	return (ssize_t)size;
}

/* Every CPU's copy is summed, whatever its CPU's state: ids may be sparse, and a CPU that
 * went offline keeps what it counted. The total is the values' sum minus the adjustments'
 * (doc/domain-format.md, "Counters"), as counter_u64_fetch() computes it. On error: 0,
 * with errno and kvm_geterr set. */
uint64_t kvm_counter_u64_fetch(kvm_t *kd, unsigned long base)
{
	uint64_t off, sum, adj;

	if (kd == NULL) {
		errno = EINVAL;
		return 0;
	}
	if (kvm_need_domain(kd, "kvm_counter_u64_fetch") != 0 || kvm_cache_check(kd) != 0)
		return 0;
	if (base % sizeof(uint64_t) != 0) {
		kvm_err(kd, EINVAL, "kvm_counter_u64_fetch: base 0x%lx is not 8-byte aligned",
			base);
		return 0;
	}
	if (kvm_domain_zpcpu(kd, base, PCPU_COUNTER_SIZE, &off) != 0 ||
	    kvm_domain_sum(kd, off + PCPU_COUNTER_VALUE * sizeof(uint64_t), &sum) != 0 ||
	    kvm_domain_sum(kd, off + PCPU_COUNTER_ADJ * sizeof(uint64_t), &adj) != 0)
		return 0;
	return sum - adj;
}

int kvm_domain_cptime(kvm_t *kd, long *cp_time)
{
	struct pcpu pc;
	uint64_t sum[CPUSTATES] = {0};

	for (unsigned int cpu = 0; cpu < kd->lay.maxcpu; cpu++) {
		if (domain_slot(kd, cpu, &pc) != 0)
			return -1;
		for (int s = 0; s < CPUSTATES; s++)
			sum[s] += pc.pc_cp_time[s];
	}
	for (int s = 0; s < CPUSTATES; s++)
		cp_time[s] = (long)sum[s];
	return 0;
}

int kvm_getcptime(kvm_t *kd, long *cp_time)
{
	if (kd == NULL || cp_time == NULL) {
		errno = EINVAL;
		return -1;
	}
	return kvm_cache_check(kd) != 0 ? -1 : kd->ops->cptime(kd, cp_time);
}
