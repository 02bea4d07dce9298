/*
 * An early counter added to before libpcpu's constructor has run (first_lib calls this
 * program's hook from its own constructor), then a module with thread-local storage
 * loaded with dlopen() and used from this thread and a new one: the add must leave the
 * thread's TCB as glibc needs it. Run by test_counter_before_libpcpu.c (and by ctest
 * itself under qemu-user, which has no Criterion); exits 0 when every check holds, else
 * with the number of the one that failed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <pcpu/counter.h>

COUNTER_U64_DEFINE_EARLY(first_prog_early);

int first_lib_hook_called(void);

static uint64_t hot_in_hook = 1; /* pcpu_percpu_hot as the hook saw it */
static counter_u64_t counter_in_hook;

void first_prog_hook(void)
{
	hot_in_hook = pcpu_percpu_hot;
	counter_in_hook = first_prog_early;
	counter_u64_add(first_prog_early, 1);
}

static long (*bump)(void);

static void *bump_in_thread(void *arg)
{
	(void)arg;
	return (void *)bump();
}

int main(int argc, char **argv)
{
	pthread_t t;
	void *from_thread = NULL, *module;

	if (argc != 2)
		return 2;
	/* The premise: the hook ran, before libpcpu's constructor stored the first word. */
	if (!first_lib_hook_called() || hot_in_hook != 0 ||
	    counter_in_hook != pcpu_counter_early_dummy) {
		fprintf(stderr, "hook called %d, word %#llx, on the dummy %d\n",
			first_lib_hook_called(), (unsigned long long)hot_in_hook,
			counter_in_hook == pcpu_counter_early_dummy);
		return 3;
	}
	module = dlopen(argv[1], RTLD_NOW);
	if (module == NULL || (*(void **)&bump = dlsym(module, "first_tls_bump")) == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return 4;
	}
	if (bump() != 42 || pthread_create(&t, NULL, bump_in_thread, NULL) != 0 ||
	    pthread_join(t, &from_thread) != 0 || (long)from_thread != 42 || bump() != 43)
		return 5;
	counter_u64_add(first_prog_early, 5);
	return counter_u64_fetch(first_prog_early) == 5 ? 0 : 6;
}
