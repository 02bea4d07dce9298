/*
 * Surviving a domain file that shrinks under our mapping. Reading a page of a MAP_SHARED
 * mapping that now lies past the end of the file raises SIGBUS; a reader of a hostile or
 * truncated file must report that, not die. Each read of mapped bytes runs under
 * kvm_guard_run, which records (per thread) the mapped range being read and a recovery
 * point; the SIGBUS handler, installed once and chaining whatever handler was there
 * before, jumps back only for a fault inside that range on the thread that armed it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

#include "kvm/kvm_private.h"

struct guard {
	sigjmp_buf env;
	uintptr_t lo;
	size_t len;
	volatile sig_atomic_t armed;
};

static _Thread_local struct guard guard;
static struct sigaction previous;
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
	struct guard *g = &guard;

	if (g->armed && (uintptr_t)si->si_addr - g->lo < g->len) {
		g->armed = 0;
		siglongjmp(g->env, 1);
	}
	chain(sig, si, ctx);
}

/* SA_NODEFER leaves SIGBUS unblocked when we jump out of the handler, so the recovery
 * point needs no saved signal mask and arming it costs no system call. */
static void install(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_NODEFER};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous);
}

int kvm_guard_run(const void *lo, size_t len, int (*fn)(void *), void *arg)
{
	struct guard *g = &guard;
	int r;

	pthread_once(&install_once, install);
	g->lo = (uintptr_t)lo;
	g->len = len;
	if (sigsetjmp(g->env, 0) != 0)
		return -1;
	/* The handler must see lo, len and env before armed, on this same thread. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	g->armed = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r = fn(arg);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	g->armed = 0;
	return r;
}
