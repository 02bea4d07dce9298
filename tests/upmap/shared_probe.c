/*
 * Checks the upmap through libpcpu.so rather than the static library the tests link:
 * symbol resolution (vfork) and thread creation differ there. Built with
 * -Dvfork=ukp_vfork, the opt-in ukp(3) documents, so vfork() below is ukp_vfork(). Exit 0
 * when all held, else the number of the failed check. Run by test_upmap_fork.c.
 */
#include <dlfcn.h>
#include <pcpu/upmap.h>
#include <sys/wait.h>
#include <unistd.h>

/* libpcpu.so exports no vfork of its own: the process's vfork stays the C library's (or
 * a sanitizer runtime's in front of it). */
static int libc_vfork_kept(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "vfork");
	Dl_info v, lib;

	return sym != NULL && dladdr(sym, &v) != 0 && dladdr((void *)&upmap_map, &lib) != 0 &&
	       v.dli_fbase != lib.dli_fbase;
}

int main(void)
{
	struct sys_upmap *u = upmap_map();
	volatile int invfork = -1;
	volatile pid_t seen = 0;
	int status;
	pid_t pid;

	if (u == NULL)
		return 1;
	if (ukp_getpid() != getpid() || u->pid != getpid())
		return 2;
	if (!libc_vfork_kept())
		return 6;
	pid = vfork();
	if (pid == 0) {
		invfork = (int)u->invfork;
		seen = ukp_getpid();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || invfork != 1 || seen != pid)
		return 3;
	pid = fork();
	if (pid == 0)
		_exit(u->pid == getpid() && ukp_getpid() == getpid() ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return 4;
	return u->invfork == 0 ? 0 : 5;
}
