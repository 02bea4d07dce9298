/*
 * ukp_vfork() for x86_64: vfork() that raises upmap's invfork while the child runs on our
 * memory, so that ukp_getpid() in the child asks the kernel instead of returning the
 * parent's pid. It is not called vfork: a library that replaced libc's vfork in every
 * program (and plugin host) that loads it would change a process-wide function behind
 * the program's back, so a program opts in (ukp(3)).
 *
 * Written in assembly for the same reason as libc's: the child returns from this function
 * and may overwrite its stack frame before the parent resumes, so the return address is
 * kept in a register (%rdi) across the system call, and the invfork address in %rsi; the
 * kernel preserves both (syscall clobbers only %rax, %rcx and %r11). The increment before
 * the system call is ordered before anything the child does; the parent undoes it after
 * resuming (child exec'd or exited) or on failure. Nested or concurrent vforks from several
 * threads each add one, hence a counter rather than a flag.
 */
#include <errno.h>

#include "upmap/upmap_private.h"

/* Defined here, not in upmap.c, so that every program using the upmap links this file,
 * and with it ukp_vfork. */
uint32_t *pcpu_upmap_invfork;

__attribute__((visibility("hidden"), used)) long pcpu_upmap_vfork_error(long err);

long pcpu_upmap_vfork_error(long err)
{
	errno = (int)err;
	return -1;
}

__asm__(".text\n"
	".globl ukp_vfork\n"
	".type ukp_vfork, @function\n"
	"ukp_vfork:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	movq pcpu_upmap_invfork(%rip), %rsi\n"
	"	testq %rsi, %rsi\n"
	"	jz 1f\n"
	"	lock incl (%rsi)\n"
	"1:	popq %rdi\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	.cfi_register rip, rdi\n"
	"	movl $58, %eax\n" /* __NR_vfork */
	"	syscall\n"
	"	pushq %rdi\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset rip, 0\n"
	"	testq %rax, %rax\n"
	"	jz 3f\n" /* child: leave invfork raised */
	"	testq %rsi, %rsi\n"
	"	jz 2f\n"
	"	lock decl (%rsi)\n"
	"2:	cmpq $-4095, %rax\n"
	"	jae 4f\n"
	"3:	ret\n"
	"4:	movq %rax, %rdi\n"
	"	negq %rdi\n"
	"	jmp pcpu_upmap_vfork_error\n"
	"	.cfi_endproc\n"
	".size ukp_vfork, .-ukp_vfork\n");
