/*
 * What a program linked with libpcpu gets installed in its process, by what it uses
 * (argv[1]): "kcpuset" (CPU sets only: nothing), or, as controls that show each check can
 * see its effect, "counter" (a domain), "kvm" (a reader: the SIGBUS guard) and "upmap"
 * (a thread). Exits with the effects found, a sum of EFFECT_* bits (effects.h), or 100+
 * on a broken run. Built against libpcpu.so and libpcpu.a.
 *
 * Only libpcpu's effects count, so that a sanitizer runtime's own SIGBUS handler or
 * atfork handlers do not: a handler is libpcpu's when it lies in the object that holds
 * kcpuset_create (libpcpu.so, or this executable when linked with libpcpu.a). atfork
 * handlers cannot be listed, so pthread_atfork's entry in the C library,
 * __register_atfork, is interposed here and counts those registered from that object.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pcpu/counter.h>
#include <pcpu/kcpuset.h>
#include <pcpu/kvm.h>
#include <pcpu/pcpu.h>
#include <pcpu/upmap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/effects.h"

static int atfork_calls;

/* 1 when addr lies in the object (executable or library) that holds libpcpu. */
static int in_libpcpu(const void *addr)
{
	Dl_info a, lib;

	return addr != NULL && dladdr(addr, &a) != 0 &&
	       dladdr((void *)&kcpuset_create, &lib) != 0 && a.dli_fbase == lib.dli_fbase;
}

int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);

int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso)
{
	int (*next)(void (*)(void), void (*)(void), void (*)(void), void *);

	*(void **)&next = dlsym(RTLD_NEXT, "__register_atfork");
	atfork_calls += in_libpcpu((void *)(prepare ? prepare : parent ? parent : child));
	return next == NULL ? -1 : next(prepare, parent, child, dso);
}

static int count_lines(const char *path, const char *needle)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += needle == NULL || strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static int threads(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int use(const char *what)
{
	kcpuset_t *k = NULL;
	kvm_t *kd;

	kcpuset_create(&k, true);
	if (k == NULL)
		return -1;
	kcpuset_set(k, 0);
	if (kcpuset_countset(k) != 1)
		return -1;
	kcpuset_destroy(k);
	if (strcmp(what, "kcpuset") == 0)
		return 0;
	if (counter_u64_alloc(M_WAITOK) == NULL)
		return -1;
	if (strcmp(what, "counter") == 0)
		return 0;
	if (strcmp(what, "kvm") == 0) {
		/* The SIGBUS handler stays installed after the handle is closed. */
		kd = kvm_openfiles(NULL, pcpu_domain_path(), NULL, O_RDONLY, NULL);
		return kd == NULL ? -1 : kvm_close(kd);
	}
	if (strcmp(what, "upmap") == 0)
		return upmap_map() == NULL ? -1 : 0;
	return -1;
}

int main(int argc, char **argv)
{
	const char *dom = getenv("PCPU_DOMAIN");
	struct sigaction sa;
	int found = 0, t0 = threads(), t, maps;

	if (argc != 2 || dom == NULL || use(argv[1]) != 0)
		return 100;
	t = threads();
	maps = count_lines("/proc/self/maps", dom);
	if (t0 < 1 || t < 1 || maps < 0 || sigaction(SIGBUS, NULL, &sa) != 0)
		return 101;
	if (t > t0)
		found |= EFFECT_THREAD;
	if (in_libpcpu((sa.sa_flags & SA_SIGINFO) ? (void *)sa.sa_sigaction
						  : (void *)sa.sa_handler))
		found |= EFFECT_SIGBUS;
	if (atfork_calls > 0)
		found |= EFFECT_ATFORK;
	if (maps > 0)
		found |= EFFECT_MAPPING;
	if (access(dom, F_OK) == 0)
		found |= EFFECT_FILE;
	return found;
}
