/*
 * Surviving a domain file that shrinks under our mapping. Reading a page of a MAP_SHARED
 * mapping that now lies past the end of the file raises SIGBUS; a reader of a hostile or
 * truncated file must report that, not die. Reads of mapped bytes are bracketed by
 * kvm_guard_arm/kvm_guard_disarm, which record (per thread) the mapping being read. The
 * SIGBUS handler, installed once and chaining whatever handler was there before, handles
 * only a fault inside that range on the thread that armed it: it maps a zero page over
 * the lost page (mmap is a plain system call, safe in a handler although POSIX does not
 * list it) and notes the fault, so the read resumes, finishes on zeros, and its caller
 * reports EIO and drops the mapping. Arming costs two thread-local stores, no system call
 * and no sigsetjmp, which keeps kvm_counter_u64_fetch close to a plain sum.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_private.h"

_Thread_local struct kvm_guard kvm_guard_tls __attribute__((tls_model("initial-exec")));

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

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	struct kvm_guard *g = &kvm_guard_tls;
	uintptr_t addr = (uintptr_t)si->si_addr;

	if (si->si_code > 0 && g->armed && addr - g->lo < g->len &&
	    mmap((void *)(addr & ~(page_size - 1)), page_size, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
		g->faulted = 1;
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

void kvm_guard_install(void)
{
	pthread_once(&install_once, install);
}
