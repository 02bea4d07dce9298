/*
 * Surviving a domain file that shrinks under our mapping. Reading a page of a MAP_SHARED
 * mapping that now lies past the end of the file raises SIGBUS; a reader of a hostile or
 * truncated file must report that, not die. Each handle that maps a file holds a guard
 * slot from a table that is only ever appended to, and reads of mapped bytes are
 * bracketed by kvm_guard_arm/kvm_guard_disarm, which publish in the slot the mapping
 * being read. The SIGBUS handler, installed when the first handle maps a file and
 * chaining whatever handler was there before, handles only a fault inside an armed
 * slot's range: it maps a zero page over the lost page (mmap is a plain system call, safe
 * in a handler although POSIX does not list it) and notes the fault in the slot, so the
 * read resumes, finishes on zeros, and its caller reports EIO and drops the mapping.
 *
 * No thread-local storage: the slot belongs to the handle, and a handle is used by one
 * thread at a time, so the fault in a slot's range comes from the thread that armed it.
 * (Thread-local state would need initial-exec TLS to be safe in a signal handler, which a
 * dlopen()ed libpcpu cannot count on.) Arming costs a few plain stores, no system call and
 * no sigsetjmp, which keeps kvm_counter_u64_fetch close to a plain sum.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_private.h"

enum { SLOTS = 16 };

/* Chunks are never freed, so the handler may walk them while other threads claim and
 * release slots: the next pointer is stored with release after the chunk is zeroed, and
 * loaded with acquire. */
struct chunk {
	struct kvm_guard slot[SLOTS];
	struct chunk *next;
};

static struct chunk first;
static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;
static uintptr_t page_size;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* Hands a SIGBUS that is not ours to the handler we replaced, or to the default action. */
static void chain(int sig, siginfo_t *si, void *ctx)
{
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, si, ctx);
		return;
	}
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/* An ignored SIGBUS sent by kill(2) stays ignored; a real fault cannot be ignored. */
	if (previous.sa_handler == SIG_IGN && si->si_code <= 0)
		return;
	signal(sig, SIG_DFL);
	/* A fault re-executes the access on return and dies of the default action; a
	 * signal sent by a process would not come back, so it is raised again. */
	if (si->si_code <= 0)
		raise(sig);
}

static struct kvm_guard *armed_at(uintptr_t addr)
{
	for (struct chunk *c = &first; c != NULL; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE))
		for (int i = 0; i < SLOTS; i++) {
			struct kvm_guard *g = &c->slot[i];

			if (__atomic_load_n(&g->armed, __ATOMIC_RELAXED) &&
			    addr - __atomic_load_n(&g->lo, __ATOMIC_RELAXED) <
				    __atomic_load_n(&g->len, __ATOMIC_RELAXED))
				return g;
		}
	return NULL;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr;
	struct kvm_guard *g = si->si_code > 0 ? armed_at(addr) : NULL;

	if (g != NULL && mmap((void *)(addr & ~(page_size - 1)), page_size, PROT_READ,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
		__atomic_store_n(&g->faulted, 1, __ATOMIC_RELAXED);
		return;
	}
	chain(sig, si, ctx);
}

static void install(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};

	page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous);
}

static struct kvm_guard *claim(struct chunk *c)
{
	for (int i = 0; i < SLOTS; i++) {
		int free_slot = 0;

		if (__atomic_compare_exchange_n(&c->slot[i].used, &free_slot, 1, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return &c->slot[i];
	}
	return NULL;
}

struct kvm_guard *kvm_guard_acquire(void)
{
	struct chunk *c = &first, *next;
	struct kvm_guard *g;

	pthread_once(&install_once, install);
	for (;;) {
		g = claim(c);
		if (g != NULL)
			return g;
		next = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
		if (next == NULL) {
			pthread_mutex_lock(&grow_lock);
			next = c->next;
			if (next == NULL) {
				next = calloc(1, sizeof(*next));
				if (next != NULL)
					__atomic_store_n(&c->next, next, __ATOMIC_RELEASE);
			}
			pthread_mutex_unlock(&grow_lock);
			if (next == NULL) {
				errno = ENOMEM;
				return NULL;
			}
		}
		c = next;
	}
}

void kvm_guard_release(struct kvm_guard *g)
{
	if (g != NULL)
		__atomic_store_n(&g->used, 0, __ATOMIC_RELEASE);
}
