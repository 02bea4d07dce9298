/*
 * <pcpu/arch/x86_64.h> -- the x86_64 rseq critical section behind counter_u64_add() and
 * DPCPU_ADD(); included by <pcpu/percpu_add.h>, not an API of its own.
 *
 * PCPU_ARCH_ADD(sfx, mod) is the text of one attempt at adding v to the current CPU's
 * slot, slot0 + cpu_id * stride, made whole in rax or indexed (PCPU_ARCH_COMMIT): sfx is
 * the instruction's size suffix (b, w, l, q) and mod the operand modifier that names v's
 * register at that size (b, w, k, q). The asm goto that uses it offers the operands rs
 * (struct rseq's biased offset from the thread pointer, used %fs-relative, which saves
 * loading the thread pointer), slot0, stride and v, clobbers rax, and names the label
 * slow.
 *
 * Why it is exact: the CPU number is loaded inside the section and the add to that CPU's
 * slot is its last instruction, the commit. Preemption, migration or a signal before the
 * commit makes the kernel resume at the abort handler, so the add happened not at all or
 * exactly once, on the CPU whose slot it targets. No other writer touches that slot with
 * a plain or a locked store: counter_u64_zero() writes a word of its own (counter(3)) and
 * a thread without rseq writes that word too or runs pinned to the slot's CPU (pcpu(3)).
 * A thread with no registered area reads a negative cpu_id (RSEQ_CPU_ID_UNINITIALIZED or
 * _REGISTRATION_FAILED) and leaves at the sign test, before any store to the slot.
 *
 * The stride is read from pcpu_percpu_stride_word, in the section in an executable and
 * before it in a shared object (PCPU_ARCH_STRIDE below), after the offset of the area,
 * which comes from pcpu_percpu_hot (maybe before a loop). The library stores the stride
 * word before it stores a live area's offset into pcpu_percpu_hot with release, and x86
 * does not let a load pass an earlier one: an offset of the live area comes with the
 * stride after it; the never-registered area's cpu_id leaves at the sign test, before
 * the multiply.
 *
 * The TSO dependence, written out: across CPUs, only the stride's load after the
 * offset's (above; aarch64 takes both from the one word instead). Each slot has one kind
 * of writer (this CPU's sections, serialised by the kernel), so readers on other CPUs
 * need only per-location coherence, which every architecture gives. Within the CPU, the
 * store of rseq_cs must be visible to the kernel before the cpu_id load: both run on the
 * same hardware thread, and program order holds for the kernel entered on it. And the
 * commit is one read-modify-write instruction, so no store of ours lies between the
 * load it makes and its store.
 *
 * PCPU_ARCH_ADD_COUNT_SUM is the same section with two adds, for a histogram's cell
 * (<pcpu/histogram.h>): 1 to the word at the current CPU's slot (the count), then v to
 * the word after it (the sum), the commit. It names a second label, count_made, for an
 * abort after the count's add. Both adds are read-modify-write instructions, which a
 * processor can feed from the store of the add before it to the same word, so that a
 * histogram observing one value over and over makes both at about the speed of one add,
 * and one store of rseq_cs serves both.
 * Why it is exact: the count's add is not the commit, so an abort can come after it, and
 * the abort handler must know whether it ran, or the retry would count twice. The carry
 * flag tells it: the kernel changes only the instruction pointer of an aborted section
 * and restores the flags with the other registers, after a signal handler too. The carry
 * is clear from the xor before the section to the count's add: the lea and the stores
 * leave the flags alone, test clears the carry, the imul of a CPU number by the stride
 * does not overflow, and the add of slot0 to that product does not carry out of an
 * address. The count's add is a subtraction of -1, which sets the carry (a borrow)
 * unless the word was 2^64 - 1, which a count word that only this section raises (by 1;
 * the fallback writes the adjustment) reaches only after 2^64 - 1 observes on one CPU.
 * So an abort with the carry set came after the count's add: the handler jumps to
 * count_made, and the caller adds v to the sum otherwise; any other abort came before
 * it (to slow: nothing added).
 *
 * The signature before the abort handler is glibc's RSEQ_SIG (0x53053053, the operand of
 * a ud1), which the kernel checks against the one the thread registered with. The
 * __rseq_cs_ptr_array and __rseq_exit_point_array entries are librseq's, for debuggers
 * that step over critical sections.
 */
#ifndef PCPU_ARCH_X86_64_H
#define PCPU_ARCH_X86_64_H

#include <pcpu/arch/rseq_table.h>

#define PCPU_ARCH_RSEQ 1
#define PCPU_RSEQ_SIG 0x53053053u

/*
 * The sections address the area at the biased offset plus 0x38 (<pcpu/percpu_add.h>), so
 * that the word 0, before libpcpu's constructor, names glibc's TCB at %fs:0x38: the two
 * words of its unused_vgetcpu_cache, which glibc no longer uses and keeps for the layout
 * of tcbhead_t, which code compiled by gcc relies on (the stack guard at %fs:0x28, the
 * pointer guard at 0x30, feature_1 at 0x48). The store of rseq_cs goes to the second,
 * and cpu_id is the high half of the first, 0, so the add commits to the dummy with the
 * stride 0. A displacement costs nothing.
 */
#define PCPU_ARCH_AREA_BIAS 0x38
#define PCPU_ARCH_STR_(x) #x
#define PCPU_ARCH_STR(x) PCPU_ARCH_STR_(x)
#define PCPU_ARCH_AT(field) "%%fs:" PCPU_ARCH_STR(PCPU_ARCH_AREA_BIAS) "+" field "(%[rs])"
#define PCPU_ARCH_RSEQ_CS PCPU_ARCH_AT("8") /* rseq->rseq_cs */
#define PCPU_ARCH_CPU_ID PCPU_ARCH_AT("4")  /* rseq->cpu_id, negative when not registered */

/* One section whose commit (the instructions after rax holds cpu_id times the stride,
 * the last of which changes memory) is commit, and whose abort handler is abort. */
#define PCPU_ARCH_SECTION(commit, abort)             \
	PCPU_RSEQ_TABLE                              \
	"leaq 3b(%%rip), %%rax\n\t"                  \
	"movq %%rax, " PCPU_ARCH_RSEQ_CS "\n\t"      \
	"1:\n\t"                                     \
	"movl " PCPU_ARCH_CPU_ID ", %%eax\n\t"       \
	"testl %%eax, %%eax\n\t"                     \
	"js %l[slow]\n\t"                            \
	"imulq %[stride], %%rax\n\t" commit "2:\n\t" \
	".pushsection __rseq_failure, \"ax\"\n\t"    \
	".byte 0x0f, 0xb9, 0x3d\n\t"                 \
	".long 0x53053053\n\t"                       \
	"4: " abort ".popsection\n\t"

/* The commit adds to the slot's address made whole in rax, not to (slot0, rax): on the
 * Intel Xeon (Sapphire Rapids) VM of bench/counter, an add to a plain register address
 * that the previous add stored to is fed from that store at once, where the indexed one
 * waits for it, so that one counter added to in a loop took 2.46 ns an add, now 1.01
 * (DPCPU_ADD 2.58, now 0.85; medians of 3 runs), at one add instruction more. On AMD
 * EPYC VMs the indexed form is the faster in most loops, timed in turn against
 * librseq's add. On one (3 runs each): counter_u64_add's tight loop 0.76-0.84 times
 * librseq's instead of 0.88-0.89, DPCPU_ADD's amid work 0.86-0.97 instead of 1.09-1.26, a
 * -fPIC caller's amid work 0.90-0.97 instead of 1.06-1.11; slower in DPCPU_ADD's
 * round-robin loop (0.86-0.93, -fPIC 0.97-1.00, instead of 0.82 and 0.93-0.94) and
 * counter_u64_add's amid work (0.67-0.76 instead of 0.60-0.65). On a Zen 4 (family 25
 * model 17; 3 runs each, medians) faster in 7 of the 12 loops: DPCPU_ADD's round-robin
 * 0.85 instead of 0.94 (-fPIC 1.06 instead of 1.11), its amid work 1.11 instead of 1.25
 * (-fPIC 0.76 instead of 0.94), counter_u64_add's tight loop 0.80 instead of 0.84 and
 * round-robin 0.90 instead of 0.93 (-fPIC 0.81 instead of 0.86); the same in both -fPIC
 * tight loops; slower in counter_u64_add's amid work, 0.99 instead of 0.90 (-fPIC 0.93
 * instead of 0.73), and DPCPU_ADD's tight loop, 0.98 instead of 0.94.
 * The whole address is the default, as Intel's loss is the larger; a program that times
 * the indexed form faster on its AMD processors (bench/counter does, built with
 * PCPU_BENCH_INDEXED_COMMIT) defines PCPU_X86_INDEXED_COMMIT to 1 before including
 * <pcpu/counter.h> or <pcpu/pcpu.h> (counter(3)): the choice is per translation unit, as
 * the sections are inline, and both forms are the same section with the same commit, a
 * single add. */
#if defined(PCPU_X86_INDEXED_COMMIT) && PCPU_X86_INDEXED_COMMIT
#define PCPU_ARCH_COMMIT_INDEXED 1
#define PCPU_ARCH_COMMIT(insn) insn " (%[slot0], %%rax)\n\t"
#else
#define PCPU_ARCH_COMMIT_INDEXED 0
#define PCPU_ARCH_COMMIT(insn) "addq %[slot0], %%rax\n\t" insn " (%%rax)\n\t"
#endif
#define PCPU_ARCH_ADD(sfx, mod) \
	PCPU_ARCH_SECTION(PCPU_ARCH_COMMIT("add" sfx " %" mod "[v],"), "jmp %l[slow]\n\t")

#define PCPU_ARCH_ADD_CLOBBERS "rax", "memory", "cc"

/* Put before a section, outside it: slot0 NULL leaves for slow. DPCPU_ADD tests its
 * set's placement so, not with a branch around the section, so that the compiler may
 * take what the section needs out of a loop, which it does not do from a branch:
 * bench/counter on a Zen 4 VM (5 runs against 4), DPCPU_ADD's tight loop 0.93-0.94
 * times librseq's add instead of 1.03-1.45 (median 1.04), round-robin 0.94 instead of
 * 1.02 and amid work 1.24-1.25 instead of 1.33-1.38. */
#define PCPU_ARCH_SLOW_IF_NULL "testq %[slot0], %[slot0]\n\tjz %l[slow]\n\t"

/* The operand v: a register, or an immediate that fits a sign-extended 32 bits, so that
 * an add of a constant (counter_u64_add(c, 1)) is add $1 and keeps no register for it
 * (bench/counter: 0.60 to 0.55 ns in the tight loop, where gcc loaded the 1 anew at every
 * add). The size modifiers of PCPU_ARCH_MOD_* print an immediate as it is. */
#define PCPU_ARCH_V(v) "er"(v)

#define PCPU_ARCH_ADD_COUNT_SUM                                              \
	"xorl %%eax, %%eax\n\t" PCPU_ARCH_SECTION("addq %[slot0], %%rax\n\t" \
						  "subq $-1, (%%rax)\n\t"    \
						  "addq %[v], 8(%%rax)\n\t", \
						  "jc %l[count_made]\n\t"    \
						  "jmp %l[slow]\n\t")

#define PCPU_ARCH_ADD_COUNT_SUM_CLOBBERS "rax", "memory", "cc"

/* The stride operand. In an executable (PIE or not): pcpu_percpu_stride_word in memory,
 * multiplied by in place, RIP-relative; otherwise gcc keeps a register for the stride or
 * loads pcpu_percpu_hot again and shifts it out before every add. In a shared object the
 * word's address comes from the GOT, which gcc loaded again before every add of the
 * round-robin loop, a load in front of the multiply. There the stride is loaded into a
 * register by pcpu_arch_stride_after(hot), an asm that the compiler sees as a function
 * of its two inputs: it may keep the result across a loop, as it keeps the offset, and
 * it takes it out of a loop (gcc kept splitting the caller's copy of pcpu_percpu_hot
 * again before every add instead: bench/counter on a Zen 4 VM, 5 runs against 4, a
 * -fPIC caller's counter_u64_add 0.78-0.79 times librseq's add instead of 1.02 in the
 * tight loop, 0.86-0.88 instead of 1.06-1.08 round-robin and 0.68-0.75 instead of
 * 0.98-1.00 amid work; DPCPU_ADD's round-robin loop is the one slower, 1.09-1.11
 * instead of 1.02-1.05, as gcc reloads pcpu_percpu_hot and so the stride at every add
 * of the unrolled loop).
 * Why it is exact: the asm takes hot as an input, so the compiler can place it only
 * after the load of pcpu_percpu_hot that gave hot, and reuse its result only for the
 * same hot; x86 keeps that order between the two loads (the argument at the top). The
 * compiler is not told that the asm reads memory, which holds because the library never
 * changes the word after it stores a live area's offset, and a stride read before that
 * comes with the never-registered area, whose section leaves before the multiply. */
#if defined(__PIC__) && !defined(__PIE__)
static inline uint64_t pcpu_arch_stride_after(uint64_t hot)
{
	uint64_t stride;
	__asm__("movq (%1), %0" : "=r"(stride) : "r"(&pcpu_percpu_stride_word), "r"(hot));
	return stride;
}
#define PCPU_ARCH_STRIDE(hot) "r"(pcpu_arch_stride_after(hot))
#else
#define PCPU_ARCH_STRIDE(hot) "m"(pcpu_percpu_stride_word)
#endif

/* The area operand: the biased offset itself, used %fs-relative. */
#define PCPU_ARCH_AREA(off) (off)

/* Instruction suffix and operand modifier of each width. */
#define PCPU_ARCH_SFX_8 "b"
#define PCPU_ARCH_SFX_16 "w"
#define PCPU_ARCH_SFX_32 "l"
#define PCPU_ARCH_SFX_64 "q"
#define PCPU_ARCH_MOD_8 "b"
#define PCPU_ARCH_MOD_16 "w"
#define PCPU_ARCH_MOD_32 "k"
#define PCPU_ARCH_MOD_64 "q"

#endif
