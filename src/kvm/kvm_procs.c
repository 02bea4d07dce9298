/*
 * A domain's lifetime as a reader sees it (kvm_getdominfo(3)): the processes in its
 * process table and whether each still holds it. A slot is alive exactly while its lock
 * byte is held (domain_format.h, "The processes that hold a domain"); the kernel drops
 * the lock when the process dies however it dies, so no pid is ever interpreted here.
 * A snapshot's locks mean nothing: its slots are reported as they were recorded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "format/holders.h"
#include "format/reclaim.h"
#include "kvm/kvm_private.h"
#include "sys/proc.h"

_Static_assert(KVM_DOMNAMELEN == PCPU_DOM_NAME_MAX, "di_name holds a domain's name");
_Static_assert(KVM_PROGNAMELEN == PCPU_DOM_PROGNAME_MAX, "di_progname holds progname");
_Static_assert(KVM_COMMLEN == sizeof(((struct pcpu_dom_proc *)0)->comm), "dp_comm holds comm");

static int is_snapshot(const kvm_t *kd)
{
	return (kd->lay.flags & PCPU_DOM_F_SNAPSHOT) != 0;
}

/*
 * Copies slot i. Its state is loaded first, with acquire, which pairs with the release
 * store of state by the process taking the slot (src/domain/procs.c, describe): a slot
 * seen in use has its identity fields written. A slot being reused may still show a mix
 * of the old and the new identity; they only describe, liveness comes from the lock.
 */
static int copy_slot(kvm_t *kd, unsigned int i, struct pcpu_dom_proc *p)
{
	uint64_t off = kd->lay.proc_off + (uint64_t)i * sizeof(*p);
	size_t rest = offsetof(struct pcpu_dom_proc, pid);

	if (kvm_domain_load_acquire32(kd, off, &p->state) != 0)
		return -1;
	return kvm_domain_copy(kd, off + rest, (unsigned char *)p + rest, sizeof(*p) - rest);
}

/*
 * What kvm_getdomprocs reports for slot i recorded as state: 0, or -1 with the error. A
 * held lock makes a slot alive whatever it records: a process that is leaving has written
 * "detached" just before it drops its lock, and a child being forked holds a slot that
 * says "detached" until it describes itself.
 */
static int slot_state(kvm_t *kd, unsigned int i, uint32_t state, int *out)
{
	int held;

	if (state != PCPU_PROC_ATTACHED && state != PCPU_PROC_DETACHED) {
		kvm_err(kd, EINVAL, "bad process table: slot %u has state %" PRIu32, i, state);
		return -1;
	}
	if (is_snapshot(kd)) {
		*out = state == PCPU_PROC_ATTACHED ? KVM_PROC_ATTACHED : KVM_PROC_EXITED;
		return 0;
	}
	held = pcpu_holders_slot_held(kd->fd, i);
	if (held < 0) {
		kvm_err(kd, errno, "cannot test the lock of process slot %u: %s", i,
			strerror(errno));
		return -1;
	}
	if (held)
		*out = KVM_PROC_ALIVE;
	else
		*out = state == PCPU_PROC_ATTACHED ? KVM_PROC_DIED : KVM_PROC_EXITED;
	return 0;
}

/* A live holder is here when its slot names this PID namespace and its pid has the start
 * time the slot recorded: then dp_pid is that process for us, not a reused pid. */
static int is_here(int state, const struct pcpu_dom_proc *p, uint64_t pidns)
{
	return state == KVM_PROC_ALIVE && pidns != 0 && p->pidns == pidns && p->start != 0 &&
	       p->pid > 0 && pcpu_proc_start_time(p->pid) == p->start;
}

static void fill(struct kvm_domproc *dp, unsigned int i, int state, const struct pcpu_dom_proc *p,
		 uint64_t pidns)
{
	*dp = (struct kvm_domproc){
		.dp_slot = i,
		.dp_state = state,
		.dp_pid = p->pid,
		.dp_uid = p->uid,
		.dp_pidns = p->pidns,
		.dp_start = p->start,
		.dp_attach_ns = p->attach_ns,
		.dp_detach_ns = p->detach_ns,
		.dp_flags = (p->flags & (KVM_PROCF_CREATOR | KVM_PROCF_FORKED)) |
			    (is_here(state, p, pidns) ? KVM_PROCF_HERE : 0),
	};
	/* A torn read of a slot being reused may lack the NUL: the copy always has one. */
	memcpy(dp->dp_comm, p->comm, sizeof(dp->dp_comm) - 1);
}

/*
 * Walks the slots in use, in slot order, filling out (when not NULL, proc_cap entries)
 * and counting the alive ones in *alive: the number of slots in use, or -1.
 */
static int scan_slots(kvm_t *kd, struct kvm_domproc *out, int *alive)
{
	uint32_t cap = kd->lay.proc_cap;
	struct pcpu_dom_proc p;
	uint64_t pidns = out != NULL ? pcpu_self_pidns() : 0;
	int n = 0, state;

	if (kvm_domain_span(kd, kd->lay.proc_off, (uint64_t)cap * sizeof(p), "process table") != 0)
		return -1;
	*alive = 0;
	for (unsigned int i = 0; i < cap; i++) {
		if (copy_slot(kd, i, &p) != 0)
			return -1;
		if (p.state == PCPU_PROC_FREE)
			continue;
		if (slot_state(kd, i, p.state, &state) != 0)
			return -1;
		*alive += state == KVM_PROC_ALIVE;
		if (out != NULL)
			fill(&out[n], i, state, &p, pidns);
		n++;
	}
	return n;
}

const struct kvm_domproc *kvm_getdomprocs(kvm_t *kd, int *cnt)
{
	struct kvm_domproc *procs;
	int n, alive;

	if (kvm_need_domain(kd, "kvm_getdomprocs") != 0 || kvm_cache_check(kd) != 0)
		return NULL;
	if (cnt == NULL) {
		kvm_err(kd, EINVAL, "kvm_getdomprocs: cnt is NULL");
		return NULL;
	}
	procs = calloc(kd->lay.proc_cap, sizeof(*procs));
	if (procs == NULL) {
		kvm_err(kd, ENOMEM, "process table: out of memory for %" PRIu32 " slots",
			kd->lay.proc_cap);
		return NULL;
	}
	n = scan_slots(kd, procs, &alive);
	if (n < 0) {
		free(procs);
		return NULL;
	}
	free(kd->procs);
	kd->procs = procs;
	*cnt = n;
	return procs;
}

/*
 * The processes holding the domain: its alive slots, or 1 when none is listed alive but
 * some slot lock is held, by a process that took its lock and has not yet published its
 * slot. -1 on error.
 */
static int count_holders(kvm_t *kd)
{
	int alive;

	if (scan_slots(kd, NULL, &alive) < 0)
		return -1;
	if (alive > 0)
		return alive;
	if (pcpu_holders_first_held(kd->fd, kd->lay.proc_cap) >= 0)
		return 1;
	if (errno == 0)
		return 0;
	kvm_err(kd, errno, "cannot test the process locks: %s", strerror(errno));
	return -1;
}

const struct kvm_dominfo *kvm_getdominfo(kvm_t *kd)
{
	struct kvm_dominfo *di = &kd->dominfo;
	int n = 0;

	if (kvm_need_domain(kd, "kvm_getdominfo") != 0 || kvm_cache_check(kd) != 0)
		return NULL;
	if (!is_snapshot(kd) && (n = count_holders(kd)) < 0)
		return NULL;
	*di = (struct kvm_dominfo){
		.di_state = is_snapshot(kd) ? KVM_DOM_SNAPSHOT
			    : n > 0	    ? KVM_DOM_ALIVE
					    : KVM_DOM_DEAD,
		.di_nprocs = n,
		.di_pid = kd->lay.writer_pid,
		.di_uid = kd->owner,
		.di_dev = kd->dev,
		.di_ino = kd->ino,
		.di_start = kd->lay.writer_start,
		.di_created_ns = kd->lay.created_ns,
		.di_snapshot_ns = kd->lay.snapshot_ns,
		.di_base = (unsigned long)kd->lay.writer_base,
	};
	memcpy(di->di_name, kd->lay.name, sizeof(di->di_name));
	memcpy(di->di_progname, kd->lay.progname, sizeof(di->di_progname));
	return di;
}

int kvm_domain_reclaim(const char *path)
{
	int err;

	if (path == NULL) {
		errno = EINVAL;
		return -1;
	}
	err = pcpu_format_reclaim(path);
	if (err == 0)
		return 0;
	errno = err;
	return -1;
}
