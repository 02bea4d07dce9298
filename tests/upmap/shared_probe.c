/*
 * Checks the upmap through libpcpu.so rather than the static library the tests link:
 * symbol interposition (vfork) and thread creation differ there. Exit 0 when all held,
 * else the number of the failed check. Run by test_upmap_fork.c.
 */
#include <pcpu/upmap.h>
#include <sys/wait.h>
#include <unistd.h>

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
