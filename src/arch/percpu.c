/*
 * The per-process choice between rseq and atomic adds, rseq registration when glibc did
 * not register, the slow path, and zeroing (the fence protocol).
 */
#include "arch/percpu.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

int pcpu_rseq_on;
ptrdiff_t pcpu_rseq_off;
size_t pcpu_percpu_stride;
unsigned int pcpu_percpu_maxcpu = 1;
volatile uint32_t pcpu_rseq_fence;
static int rseq_own; /* 1: the rseq areas are ours (glibc did not register) */

/* Our own area, used only when glibc did not register: initial-exec TLS, so its offset
 * from the thread pointer is the same in every thread. */
static __thread struct rseq own_area __attribute__((tls_model("initial-exec"), aligned(32))) = {
	.cpu_id = (uint32_t)RSEQ_CPU_ID_UNINITIALIZED};
static __thread int own_tried;

static int register_own(void)
{
	own_tried = 1;
	return (int)syscall(SYS_rseq, &own_area, sizeof(own_area), 0, PCPU_RSEQ_SIG);
}

static int membarrier_rseq(int cmd)
{
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

/* A fork made while another thread was zeroing copies a raised fence that no thread of
 * the child will ever lower. */
static void lower_fence_in_child(void)
{
	pcpu_rseq_fence = 0;
}

/*
 * rseq mode needs: a critical section for this architecture, PCPU_RSEQ not "0", an rseq
 * area (glibc's, or ours when glibc.pthread.rseq=0 left none and the kernel accepts ours),
 * and expedited rseq membarrier, without which counter_u64_zero() could not fence.
 */
void pcpu_percpu_setup(size_t stride, unsigned int maxcpu)
{
	const char *env = getenv("PCPU_RSEQ");

	pcpu_percpu_stride = stride;
	pcpu_percpu_maxcpu = maxcpu;
	if (!PCPU_ARCH_HAS_RSEQ || (env != NULL && strcmp(env, "0") == 0))
		return;
	if (__rseq_size == 0) {
		if (register_own() != 0)
			return;
		rseq_own = 1;
		pcpu_rseq_off = (char *)&own_area - (char *)__builtin_thread_pointer();
	} else {
		pcpu_rseq_off = __rseq_offset;
	}
	if (membarrier_rseq(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) != 0)
		return;
	pthread_atfork(NULL, NULL, lower_fence_in_child);
	pcpu_rseq_on = 1;
}

const char *pcpu_percpu_mode(void)
{
	return !pcpu_rseq_on ? "atomic" : rseq_own ? "rseq-own" : "rseq-glibc";
}

unsigned int pcpu_percpu_cpu(void)
{
	int cpu = -1;

	if (pcpu_rseq_on)
		cpu = (int)__atomic_load_n(
			(uint32_t *)((char *)__builtin_thread_pointer() + pcpu_rseq_off + 4),
			__ATOMIC_RELAXED);
	if (cpu < 0)
		cpu = sched_getcpu();
	return cpu < 0 ? 0 : (unsigned int)cpu % pcpu_percpu_maxcpu;
}

void pcpu_atomic_add(void *slot, int64_t v, int width)
{
	switch (width) {
	case 8:
		__atomic_fetch_add((uint8_t *)slot, (uint8_t)v, __ATOMIC_RELAXED);
		break;
	case 16:
		__atomic_fetch_add((uint16_t *)slot, (uint16_t)v, __ATOMIC_RELAXED);
		break;
	case 32:
		__atomic_fetch_add((uint32_t *)slot, (uint32_t)v, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_fetch_add((uint64_t *)slot, (uint64_t)v, __ATOMIC_RELAXED);
		break;
	}
}

/*
 * The fence protocol. An rseq add is a plain read-modify-write of its own CPU's slot, so
 * a store from another CPU could be overwritten by an add in flight. Raising the fence and
 * then issuing an expedited rseq membarrier aborts every critical section of this
 * process in flight; any section that starts afterwards reads the raised fence (the
 * membarrier orders it) and adds with a lock prefix, which is atomic against the other
 * CPU's store, made with an atomic instruction. Once the fence drops (release, after
 * that store), plain adds resume. Adds made by other processes sharing the domain are
 * not reached by our membarrier: see counter(3).
 */
static void fence_raise(void)
{
	__atomic_fetch_add(&pcpu_rseq_fence, 1, __ATOMIC_SEQ_CST);
	/* A forked child has a new mm: register it on first use. */
	if (membarrier_rseq(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) != 0 &&
	    membarrier_rseq(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) == 0)
		membarrier_rseq(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ);
}

static void fence_lower(void)
{
	__atomic_fetch_sub(&pcpu_rseq_fence, 1, __ATOMIC_RELEASE);
}

/*
 * A thread created before we registered our own area (or by a library that bypasses
 * pthread_create) registers on its first add. If the kernel refuses (another rseq area
 * is registered in it), that thread adds atomically, to the slot of a CPU it may have
 * left already, where a registered thread's plain add could overwrite it: in rseq mode
 * the add is made under the fence, at the cost of a system call per add.
 */
void pcpu_percpu_add_slow(void *slot0, int64_t v, int width)
{
	if (pcpu_rseq_on && rseq_own && !own_tried && register_own() == 0) {
		switch (width) {
		case 8:
			pcpu_percpu_add8(slot0, (uint8_t)v);
			return;
		case 16:
			pcpu_percpu_add16(slot0, (uint16_t)v);
			return;
		case 32:
			pcpu_percpu_add32(slot0, (uint32_t)v);
			return;
		default:
			pcpu_percpu_add64(slot0, (uint64_t)v);
			return;
		}
	}
	if (pcpu_rseq_on)
		fence_raise();
	pcpu_atomic_add((char *)slot0 + (size_t)pcpu_percpu_cpu() * pcpu_percpu_stride, v, width);
	if (pcpu_rseq_on)
		fence_lower();
}

/* Exchanges, under the fence, so that no add in flight writes back a slot's old value. */
void pcpu_percpu_zero64(uint64_t *slot0)
{
	if (pcpu_rseq_on)
		fence_raise();
	for (unsigned int c = 0; c < pcpu_percpu_maxcpu; c++)
		__atomic_exchange_n((uint64_t *)((char *)slot0 + (size_t)c * pcpu_percpu_stride), 0,
				    __ATOMIC_RELAXED);
	if (pcpu_rseq_on)
		fence_lower();
}
