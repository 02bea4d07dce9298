/*
 * counter(3) before libpcpu's constructor: an add to an early counter from code that runs
 * before it (first_prog's hook, called by a library initialised earlier) must leave the
 * thread's TCB intact. The word the sections read was 0 then, and at 0 the x86_64
 * section stored rseq_cs over the thread's DTV pointer, so that the next dlopen() of a
 * module with thread-local storage crashed.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/testutil.h"
#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(counter_before_libpcpu, .init = setup, .fini = domtest_cleanup);

Test(counter_before_libpcpu, an_add_from_an_earlier_constructor_leaves_the_tcb_to_glibc)
{
	char *prog = test_built_binary("tests/counter/first_prog");
	char *module = test_built_binary("tests/counter/libfirst_tls.so");
	pid_t pid;

	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl(prog, prog, module, (char *)NULL);
		_exit(127);
	}
	/* 3: the hook did not run before libpcpu's constructor; 4, 5: the TLS module could
	 * not be loaded or used (the DTV pointer was overwritten: glibc aborts, 134). */
	cr_assert_eq(test_wait_exit(pid), 0, "first_prog's checks hold");
	free(prog);
	free(module);
}
