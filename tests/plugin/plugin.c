/*
 * A plugin that counts with pcpu, built twice: linked with libpcpu.so and with libpcpu.a
 * (-fPIC). plugin_host dlopen()s it; plugin_count() adds from several threads to an early
 * counter and to one allocated at run time, plugin_fetch() reads them back, and
 * plugin_read() reads the early one as another process would, through kvm (which installs
 * the SIGBUS guard).
 */
#include <fcntl.h>
#include <pcpu/counter.h>
#include <pcpu/kvm.h>
#include <pcpu/pcpu.h>
#include <pthread.h>
#include <stdint.h>

COUNTER_U64_DEFINE_EARLY(plugin_hits);
static counter_u64_t plugin_bytes;

static int adds_per_thread;

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < adds_per_thread; i++) {
		counter_u64_add(plugin_hits, 1);
		counter_u64_add(plugin_bytes, 3);
	}
	return NULL;
}

/* 0, or the number of the step that failed. */
__attribute__((visibility("default"))) int plugin_count(int threads, int adds)
{
	pthread_t tid[16];
	int started = 0, r = 0;

	if (threads > 16)
		return 1;
	plugin_bytes = counter_u64_alloc(M_WAITOK);
	if (plugin_bytes == NULL || pcpu_register("plugin_bytes", plugin_bytes, 8) != 0)
		return 2;
	adds_per_thread = adds;
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, adder, NULL) != 0) {
			r = 3;
			break;
		}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return r;
}

__attribute__((visibility("default"))) uint64_t plugin_fetch(int which)
{
	return counter_u64_fetch(which == 0 ? plugin_hits : plugin_bytes);
}

/* plugin_hits through a kvm handle on this process's own domain; UINT64_MAX on error. */
__attribute__((visibility("default"))) uint64_t plugin_read(void)
{
	struct nlist nl[] = {{.n_name = "plugin_hits"}, {.n_name = NULL}};
	kvm_t *kd = kvm_openfiles(NULL, pcpu_domain_path(), NULL, O_RDONLY, NULL);
	uint64_t v = UINT64_MAX;

	if (kd == NULL)
		return v;
	if (kvm_nlist(kd, nl) == 0)
		v = kvm_counter_u64_fetch(kd, nl[0].n_value);
	kvm_close(kd);
	return v;
}
