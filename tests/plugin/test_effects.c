/*
 * What a program linked with libpcpu gets installed in its process (effects.c): nothing
 * when it only uses CPU sets, and each effect when it uses what brings it. Not run under
 * ThreadSanitizer, whose runtime does not survive effects.c's interposition of
 * __register_atfork.
 */
#include <criterion/criterion.h>
#include <unistd.h>

#include "plugin/effects.h"
#include "plugin/plugin_run.h"

TestSuite(plugin_effects, .init = plugin_run_setup, .fini = plugin_run_teardown);

Test(plugin_effects, kcpuset_only_program_gets_no_domain_thread_handler_or_atfork)
{
	cr_assert_eq(plugin_run("plugin_effects_shared", "kcpuset"), 0);
	cr_assert_eq(plugin_run("plugin_effects_static", "kcpuset"), 0);
	cr_assert_neq(access(plugin_dom, F_OK), 0, "a domain file was made");
}

/* The controls: each check of effects.c sees the effect when it is there. */
Test(plugin_effects, counter_brings_the_domain_reader_the_guard_upmap_a_thread)
{
	int e = plugin_run("plugin_effects_shared", "counter");

	cr_assert_lt(e, 100);
	cr_assert_eq(e & (EFFECT_MAPPING | EFFECT_FILE), EFFECT_MAPPING | EFFECT_FILE);
	cr_assert_eq(e & (EFFECT_SIGBUS | EFFECT_THREAD), 0);
	unlink(plugin_dom);
	cr_assert_eq(plugin_run("plugin_effects_static", "kvm") & EFFECT_SIGBUS, EFFECT_SIGBUS);
	unlink(plugin_dom);
	e = plugin_run("plugin_effects_static", "upmap");
	cr_assert_eq(e & (EFFECT_THREAD | EFFECT_ATFORK), EFFECT_THREAD | EFFECT_ATFORK);
}
