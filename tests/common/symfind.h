/* Finding one symbol by name with kvm_walk_syms(3), for tests that read through kvm. */
#ifndef PCPU_TESTS_COMMON_SYMFIND_H
#define PCPU_TESTS_COMMON_SYMFIND_H

#include <string.h>

#include <pcpu/kvm.h>

/* The closure: name to look for, and the symbol once test_sym_pick saw it. */
struct test_sym_found {
	const char *name;
	struct kvm_sym ks;
};

/* A kvm_walk_syms callback that stops the walk, returning 1, at the symbol named w->name. */
static inline int test_sym_pick(const struct kvm_sym *ks, void *closure)
{
	struct test_sym_found *w = closure;

	if (strcmp(ks->ks_name, w->name) != 0)
		return 0;
	w->ks = *ks;
	return 1;
}

#endif
