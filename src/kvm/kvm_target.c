/* The two targets' tables (struct kvm_target_ops, kvm_private.h). */
#include "kvm/kvm_private.h"

static unsigned int domain_maxcpu(const kvm_t *kd)
{
	return kd->lay.maxcpu;
}

const struct kvm_target_ops kvm_domain_ops = {
	.name = "domain",
	.has_domain = 1,
	.open = kvm_domain_open,
	.close = kvm_domain_close,
	.reload = kvm_domain_reload,
	.maxcpu = domain_maxcpu,
	.pcpu = kvm_domain_pcpu,
	.ncpus = kvm_domain_ncpus,
	.cptime = kvm_domain_cptime,
};

/* corefile is NULL: that is what chose this target. */
static int kernel_open(kvm_t *kd, const char *corefile)
{
	(void)corefile;
	return kvm_kernel_reload(kd);
}

/* Nothing is held open between calls. */
static void kernel_close(kvm_t *kd)
{
	(void)kd;
}

static unsigned int kernel_maxcpu(const kvm_t *kd)
{
	return kd->kmaxcpu;
}

const struct kvm_target_ops kvm_kernel_ops = {
	.name = "running kernel (corefile NULL)",
	.has_domain = 0,
	.open = kernel_open,
	.close = kernel_close,
	.reload = kvm_kernel_reload,
	.maxcpu = kernel_maxcpu,
	.pcpu = kvm_kernel_pcpu,
	.ncpus = kvm_kernel_ncpus,
	.cptime = kvm_kernel_cptime,
};
