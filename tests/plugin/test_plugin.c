/*
 * libpcpu as a plugin: a host that does not link libpcpu dlopen()s a plugin linked with libpcpu.so
 * or with libpcpu.a and counts exactly (default glibc tunables), and unloads it safely; an early
 * counter used by another file's constructor counts exactly whatever the link order.
 * The helpers are shared with test_effects.c (plugin_run.c).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "plugin/plugin_run.h"

enum { THREADS = 4, ADDS = 100000 }; /* as plugin_host.c */

TestSuite(plugin, .init = plugin_run_setup, .fini = plugin_run_teardown);

static uint64_t kept_counter(const char *name)
{
	struct nlist nl[] = {{.n_name = name}, {.n_name = NULL}};
	kvm_t *kd = kvm_openfiles(NULL, plugin_dom, NULL, O_RDONLY, NULL);
	uint64_t v;

	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	cr_assert_eq(kvm_nlist(kd, nl), 0, "%s not found", name);
	v = kvm_counter_u64_fetch(kd, nl[0].n_value);
	kvm_close(kd);
	return v;
}

static void check_plugin(const char *so)
{
	char *path = plugin_binary(so);

	cr_assert_eq(plugin_run("plugin_host", path), 0);
	free(path);
	cr_assert_eq(kept_counter("plugin_hits"), (uint64_t)THREADS * ADDS);
	cr_assert_eq(kept_counter("plugin_bytes"), (uint64_t)THREADS * ADDS * 3);
}

Test(plugin, host_without_pcpu_dlopens_plugin_linked_with_libpcpu_so)
{
	check_plugin("plugin_shared.so");
}

Test(plugin, host_without_pcpu_dlopens_plugin_linked_with_libpcpu_a)
{
	check_plugin("plugin_static.so");
}

Test(plugin, early_counter_used_by_another_files_constructor_in_either_link_order)
{
	cr_assert_eq(plugin_run("plugin_early_ab", NULL), 0);
	unlink(plugin_dom);
	cr_assert_eq(plugin_run("plugin_early_ba", NULL), 0);
}
