/*
 * libpcpu as a plugin and as a library that installs nothing it was not asked for:
 * a host that does not link libpcpu dlopen()s a plugin linked with libpcpu.so or with
 * libpcpu.a and counts exactly (default glibc tunables); an early counter used by
 * another file's constructor counts exactly whatever the link order; a program that
 * only uses CPU sets gets no domain, thread, SIGBUS handler or atfork handler.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "plugin/effects.h"

enum { THREADS = 4, ADDS = 100000 }; /* as plugin_host.c */

static char *dom;

static void setup(void)
{
	dom = test_path(test_tmpdir(), "dom");
}

static void teardown(void)
{
	unlink(dom);
	free(dom);
}

TestSuite(plugin, .init = setup, .fini = teardown);

/* Runs a binary of tests/plugin with one argument (or none), the domain at dom, kept
 * after exit (PCPU_KEEP) so that it can be read, and no glibc tunable. */
static int run(const char *name, const char *arg)
{
	char rel[256];
	char *bin;
	pid_t pid;

	snprintf(rel, sizeof(rel), "tests/plugin/%s", name);
	bin = test_built_binary(rel);
	pid = fork();
	if (pid == 0) {
		unsetenv("GLIBC_TUNABLES");
		setenv("PCPU_DOMAIN", dom, 1);
		setenv("PCPU_KEEP", "1", 1);
		execl(bin, bin, arg, (char *)NULL);
		_exit(127);
	}
	free(bin);
	cr_assert_gt(pid, 0);
	return test_wait_exit(pid);
}

static uint64_t kept_counter(const char *name)
{
	struct nlist nl[] = {{.n_name = name}, {.n_name = NULL}};
	kvm_t *kd = kvm_openfiles(NULL, dom, NULL, O_RDONLY, NULL);
	uint64_t v;

	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
	cr_assert_eq(kvm_nlist(kd, nl), 0, "%s not found", name);
	v = kvm_counter_u64_fetch(kd, nl[0].n_value);
	kvm_close(kd);
	return v;
}

static void check_plugin(const char *so)
{
	char *path;
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/plugin/%s", so);
	path = test_built_binary(rel);
	cr_assert_eq(run("plugin_host", path), 0);
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
	cr_assert_eq(run("plugin_early_ab", NULL), 0);
	unlink(dom);
	cr_assert_eq(run("plugin_early_ba", NULL), 0);
}

Test(plugin, kcpuset_only_program_gets_no_domain_thread_handler_or_atfork)
{
	cr_assert_eq(run("plugin_effects_shared", "kcpuset"), 0);
	cr_assert_eq(run("plugin_effects_static", "kcpuset"), 0);
	cr_assert_neq(access(dom, F_OK), 0, "a domain file was made");
}

/* The controls: each check of effects.c sees the effect when it is there. */
Test(plugin, counter_brings_the_domain_reader_the_guard_upmap_a_thread)
{
	int e = run("plugin_effects_shared", "counter");

	cr_assert_lt(e, 100);
	cr_assert_eq(e & (EFFECT_MAPPING | EFFECT_FILE), EFFECT_MAPPING | EFFECT_FILE);
	cr_assert_eq(e & (EFFECT_SIGBUS | EFFECT_THREAD), 0);
	unlink(dom);
	cr_assert_eq(run("plugin_effects_static", "kvm") & EFFECT_SIGBUS, EFFECT_SIGBUS);
	unlink(dom);
	e = run("plugin_effects_static", "upmap");
	cr_assert_eq(e & (EFFECT_THREAD | EFFECT_ATFORK), EFFECT_THREAD | EFFECT_ATFORK);
}
