/* kvm_getdomargv: the command line of a holder, from /proc/PID/cmdline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_private.h"
#include "sys/proc.h"

#define ARGS_MAX 65536 /* bytes read when nchr is 0 */

/* The pid still names the holder p describes: it is here and started when p says. */
static int still_here(const struct kvm_domproc *p)
{
	return (p->dp_flags & KVM_PROCF_HERE) && pcpu_proc_start_time(p->dp_pid) == p->dp_start;
}

/* Splits the NUL-separated strings of buf[0, len) into kd->argv. */
static char **split(kvm_t *kd, size_t len)
{
	size_t n = 0;
	char **argv;

	for (size_t i = 0; i < len; i++)
		n += kd->argbuf[i] == '\0' || i == len - 1;
	if ((argv = realloc(kd->argv, (n + 1) * sizeof(*argv))) == NULL) {
		kvm_err(kd, ENOMEM, "kvm_getdomargv: out of memory");
		return NULL;
	}
	kd->argv = argv;
	n = 0;
	for (size_t i = 0; i < len; i += strlen(kd->argbuf + i) + 1)
		argv[n++] = kd->argbuf + i;
	argv[n] = NULL;
	return argv;
}

char **kvm_getdomargv(kvm_t *kd, const struct kvm_domproc *p, int nchr)
{
	size_t size = nchr > 0 && nchr < ARGS_MAX ? (size_t)nchr + 1 : ARGS_MAX + 1;
	ssize_t len;
	char *buf;

	if (kd == NULL || p == NULL || nchr < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (kvm_need_domain(kd, "kvm_getdomargv") != 0)
		return NULL;
	if ((buf = realloc(kd->argbuf, size)) == NULL) {
		kvm_err(kd, ENOMEM, "kvm_getdomargv: out of memory");
		return NULL;
	}
	kd->argbuf = buf;
	/* Checked before and after the read: a pid reused meanwhile is not read as ours. */
	len = still_here(p) ? pcpu_proc_read(p->dp_pid, "cmdline", buf, size) : -1;
	if (len < 0 || !still_here(p)) {
		kvm_err(kd, ESRCH,
			"kvm_getdomargv: pid %d is not a live holder in this PID namespace",
			(int)p->dp_pid);
		return NULL;
	}
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	buf[len] = '\0';
	return split(kd, (size_t)len + (len > 0));
}
