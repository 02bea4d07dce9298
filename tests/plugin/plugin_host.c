/*
 * A host that does not link libpcpu: it dlopen()s the plugin named by argv[1], as nginx,
 * PostgreSQL or Python load modules, and checks that the plugin counted
 * threads * adds exactly, then unloads it. libpcpu chained its SIGBUS guard to the host's
 * handler; that chain must still work after dlclose(), which is why libpcpu is never
 * unloaded. Exit 0, or the number of the failed check (the message on stderr). Run by
 * test_plugin.c with default glibc tunables.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4, ADDS = 100000 };

static volatile sig_atomic_t host_sigbus;

static void on_sigbus(int sig)
{
	(void)sig;
	host_sigbus = 1;
}

int main(int argc, char **argv)
{
	int (*count)(int, int);
	uint64_t (*fetch)(int), (*read)(void);
	void *h;
	int r;

	if (argc != 2 || signal(SIGBUS, on_sigbus) == SIG_ERR)
		return 1;
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **)&count = dlsym(h, "plugin_count");
	*(void **)&fetch = dlsym(h, "plugin_fetch");
	*(void **)&read = dlsym(h, "plugin_read");
	if (count == NULL || fetch == NULL || read == NULL)
		return 3;
	r = count(THREADS, ADDS);
	if (r != 0) {
		fprintf(stderr, "plugin_count: step %d failed\n", r);
		return 4;
	}
	if (fetch(0) != (uint64_t)THREADS * ADDS || fetch(1) != (uint64_t)THREADS * ADDS * 3) {
		fprintf(stderr, "counted %llu and %llu\n", (unsigned long long)fetch(0),
			(unsigned long long)fetch(1));
		return 5;
	}
	if (read() != (uint64_t)THREADS * ADDS)
		return 6;
	if (dlclose(h) != 0)
		return 7;
	/* A signal sent, not a fault: libpcpu's handler passes it to ours. */
	raise(SIGBUS);
	return host_sigbus ? 0 : 8;
}
