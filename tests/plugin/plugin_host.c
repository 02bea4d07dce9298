/*
 * A host that does not link libpcpu: it dlopen()s the plugin named by argv[1], as nginx,
 * PostgreSQL or Python load modules, and checks that the plugin counted
 * threads * adds exactly. Exit 0, or the number of the failed check (the message on
 * stderr). Run by test_plugin.c with default glibc tunables.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4, ADDS = 100000 };

int main(int argc, char **argv)
{
	int (*count)(int, int);
	uint64_t (*fetch)(int);
	void *h;
	int r;

	if (argc != 2)
		return 1;
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **)&count = dlsym(h, "plugin_count");
	*(void **)&fetch = dlsym(h, "plugin_fetch");
	if (count == NULL || fetch == NULL)
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
	return dlclose(h) == 0 ? 0 : 6;
}
