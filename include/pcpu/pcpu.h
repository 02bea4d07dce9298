/*
 * <pcpu/pcpu.h> -- struct pcpu, DPCPU variables and the domain, after FreeBSD's
 * <sys/pcpu.h>. See pcpu(3).
 *
 * A program's per-CPU state lives in its domain, a shared file that other processes read
 * with <pcpu/kvm.h>: its own (/dev/shm/pcpu-<uid>/pid.<pid>.<pidns>), a named one that
 * other processes attach to ($PCPU_DOMAIN=<name>, or pcpu_domain_attach()), or one at a
 * path ($PCPU_DOMAIN=<path>). The domain is created or attached on first use; when no file
 * can be had the program keeps working in private memory and pcpu_domain_path() says why.
 */
#ifndef PCPU_PCPU_H
#define PCPU_PCPU_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <pcpu/export.h>
#include <pcpu/pcpu_struct.h>
#include <pcpu/percpu_add.h>

#ifdef __cplusplus
extern "C" {
#endif

/* struct pcpu of a CPU slot (0 .. mp_maxid), or NULL with errno EINVAL beyond. */
PCPU_EXPORT struct pcpu *pcpu_find(unsigned int cpu);
PCPU_EXPORT unsigned int pcpu_mp_maxid(void); /* highest CPU slot: maxcpu - 1 */
PCPU_EXPORT int pcpu_mp_ncpus(void);	      /* CPUs present */
PCPU_EXPORT unsigned int pcpu_curcpu(void);   /* the CPU this thread ran on just now */
PCPU_EXPORT int pcpu_cpu_absent(unsigned int cpu);

#define mp_maxid (pcpu_mp_maxid())
#define mp_ncpus (pcpu_mp_ncpus())
#define curcpu (pcpu_curcpu())
#define CPU_ABSENT(cpu) pcpu_cpu_absent(cpu)
/* The index may be int, as in FreeBSD code: mp_maxid (below 65536) is converted to its
 * type so that the comparison is not between signed and unsigned. */
#define CPU_FOREACH(i)                                       \
	for ((i) = 0; (i) <= (__typeof__(i))mp_maxid; (i)++) \
		if (!CPU_ABSENT(i))

/* Names a domain object for readers (kvm_nlist). 0, or -1 with errno. */
PCPU_EXPORT int pcpu_register(const char *name, const void *addr, size_t size);
/* Writes a frozen copy of the domain to a new file. 0, or -1 with errno. */
PCPU_EXPORT int pcpu_snapshot(const char *path);
/* The domain file's path, or NULL with errno saying why the domain is private. */
PCPU_EXPORT const char *pcpu_domain_path(void);
/* The domain's name, "" for a per-process domain or one given by path; NULL with errno
 * when there is no domain at all. */
PCPU_EXPORT const char *pcpu_domain_name(void);
/*
 * Chooses the domain before its first use: domain is a name (no slash), a path, or NULL
 * for the process's own; group, when not NULL, a group (name or number) whose members may
 * read it. It is then created or attached at once. 0 when the process has that shared
 * domain; -1 with errno: EBUSY when the process uses another domain already, else the
 * reason it runs on private memory (the program still counts there).
 */
PCPU_EXPORT int pcpu_domain_attach(const char *domain, const char *group);

/*
 * DPCPU: DPCPU_DEFINE(int, hits); puts the template of pcpu_entry_hits in the linker set
 * "set_pcpu" and a descriptor naming it in "set_pcpu_desc". At start-up a constructor of
 * each executable or shared library registers its set: every CPU gets a copy in the
 * domain, initialised from the template, and each variable is listed by name.
 */
struct pcpu_dpcpu_desc {
	const char *name;
	void *addr; /* the template in set_pcpu */
	size_t size;
	uint32_t flags; /* PCPU_DPCPU_F_* */
	void **cpu0;	/* -> the address of CPU 0's copy; NULL until registered */
};

#define PCPU_DPCPU_F_INTEGER 0x1u
#define PCPU_DPCPU_F_SIGNED 0x2u
#define PCPU_DPCPU_I_ PCPU_DPCPU_F_INTEGER
#define PCPU_DPCPU_S_ (PCPU_DPCPU_F_INTEGER | PCPU_DPCPU_F_SIGNED)
/* clang-format 14 breaks _Generic association lists apart. */
/* clang-format off */
#define PCPU_DPCPU_FLAGS(x)                                                                      \
	_Generic((x),                                                                            \
		_Bool: PCPU_DPCPU_I_,                                                            \
		char: (CHAR_MIN < 0 ? PCPU_DPCPU_S_ : PCPU_DPCPU_I_),                            \
		signed char: PCPU_DPCPU_S_,                                                      \
		unsigned char: PCPU_DPCPU_I_,                                                    \
		short: PCPU_DPCPU_S_,                                                            \
		unsigned short: PCPU_DPCPU_I_,                                                   \
		int: PCPU_DPCPU_S_,                                                              \
		unsigned int: PCPU_DPCPU_I_,                                                     \
		long: PCPU_DPCPU_S_,                                                             \
		unsigned long: PCPU_DPCPU_I_,                                                    \
		long long: PCPU_DPCPU_S_,                                                        \
		unsigned long long: PCPU_DPCPU_I_,                                               \
		default: 0u)
/* clang-format on */

#define DPCPU_NAME(n) pcpu_entry_##n
#define PCPU_DPCPU_DESC(n) pcpu_dpcpu_desc_##n
#define PCPU_DPCPU_CPU0(n) pcpu_dpcpu_cpu0_##n
#define PCPU_DPCPU_HIDDEN __attribute__((visibility("hidden")))

/*
 * The template is hidden, so that no other object refers to it: an executable that uses
 * a shared library's variable would otherwise get a copy relocation of it (and of a copy's
 * address kept in the descriptor) made before the library registered its set. Other
 * objects reach a variable through its descriptor only, whose cpu0 pointer leads to
 * storage of the defining object, wherever the descriptor was copied. first: how the template is
 * declared before the descriptor refers to it; storage: of the definitions.
 */
#define PCPU_DPCPU_DEFINE_(first, storage, t, n)                                \
	first t DPCPU_NAME(n);                                                  \
	static void *PCPU_DPCPU_CPU0(n);                                        \
	storage const struct pcpu_dpcpu_desc PCPU_DPCPU_DESC(n)                 \
		__attribute__((section("set_pcpu_desc"), used, aligned(8))) = { \
			#n, &DPCPU_NAME(n), sizeof(DPCPU_NAME(n)),              \
			PCPU_DPCPU_FLAGS(DPCPU_NAME(n)), &PCPU_DPCPU_CPU0(n)};  \
	storage t DPCPU_NAME(n) __attribute__((section("set_pcpu"), used))

#define DPCPU_DEFINE(t, n) PCPU_DPCPU_DEFINE_(extern PCPU_DPCPU_HIDDEN, , t, n)
#define DPCPU_DEFINE_STATIC(t, n) PCPU_DPCPU_DEFINE_(static, static, t, n)
/* DPCPU_NAME(n) is declared for its type only (__typeof__, sizeof, _Generic). */
#define DPCPU_DECLARE(t, n)                       \
	extern PCPU_DPCPU_HIDDEN t DPCPU_NAME(n); \
	extern const struct pcpu_dpcpu_desc PCPU_DPCPU_DESC(n)

PCPU_EXPORT void *pcpu_dpcpu_ptr(const struct pcpu_dpcpu_desc *d);
PCPU_EXPORT void *pcpu_dpcpu_id_ptr(const struct pcpu_dpcpu_desc *d, unsigned int cpu);
PCPU_EXPORT void pcpu_dpcpu_add(const struct pcpu_dpcpu_desc *d, int64_t v);
PCPU_EXPORT void pcpu_dpcpu_register(char *start, char *stop, const struct pcpu_dpcpu_desc *dstart,
				     const struct pcpu_dpcpu_desc *dstop);

/*
 * DPCPU_PTR in the caller: CPU 0's copy and this thread's cpu_id (from its rseq area)
 * give the copy with no call, in three loads (the copy's address, cpu_id, the value) and
 * a multiply; the address is kept whole rather than as a delta from the template, which
 * would cost an add and, in position-independent code, a lea per access. A set that was
 * not placed, or a thread whose area has no CPU (atomic mode, not registered), asks
 * pcpu_dpcpu_ptr(). A read is racy as in FreeBSD: a thread that migrates after loading
 * cpu_id reads the copy of the CPU it left, a valid copy all the same.
 */
static inline void *pcpu_dpcpu_ptr_inline(const struct pcpu_dpcpu_desc *d)
{
	/*
	 * The offset and the stride are loaded as the two halves of pcpu_percpu_hot, each
	 * a value gcc keeps in a register across a loop: from one load of the word, gcc
	 * derived both again in front of every cpu_id load (bench/domain on the Intel VM:
	 * 2.17 times a thread-local read, now 2.00; two variables 3.84 times, now 2.80;
	 * medians of 5 runs). Two loads may pair the halves of two publications, which is
	 * harmless here: libpcpu's constructor publishes (never-registered area, 0), the
	 * domain then (that area, stride) and (the live area, stride), so a pair has the
	 * never-registered area (cpu_id negative: the function answers) or a stride of 0,
	 * which names CPU 0's copy, as a migration after the cpu_id load would. Before that
	 * constructor the word is 0, whose area's cpu_id is not negative (<pcpu/percpu_add.h>)
	 * and whose stride is 0: CPU 0's copy again. (Only a thread that reads while another
	 * runs that constructor and creates the domain, before main(), could pair its
	 * offset with a stride; on aarch64 its cpu_id is large.) The adds keep the one load.
	 */
	typedef int32_t pcpu_hot_half_t __attribute__((may_alias));
	ptrdiff_t off = ((const pcpu_hot_half_t *)&pcpu_percpu_hot)[0];
	size_t stride = (uint32_t)((const pcpu_hot_half_t *)&pcpu_percpu_hot)[1];
	char *cpu0 = (char *)*d->cpu0;
	int cpu = pcpu_percpu_cpu_id_at(off);

	if (__builtin_expect(cpu >= 0, 1) && __builtin_expect(cpu0 != NULL, 1))
		return cpu0 + (size_t)cpu * stride;
	return pcpu_dpcpu_ptr(d);
}

#define DPCPU_PTR(n) ((__typeof__(DPCPU_NAME(n)) *)pcpu_dpcpu_ptr_inline(&PCPU_DPCPU_DESC(n)))
#define DPCPU_GET(n) (*DPCPU_PTR(n))
#define DPCPU_SET(n, v) (*DPCPU_PTR(n) = (v))
#define DPCPU_ID_PTR(cpu, n) \
	((__typeof__(DPCPU_NAME(n)) *)pcpu_dpcpu_id_ptr(&PCPU_DPCPU_DESC(n), (cpu)))
#define DPCPU_ID_GET(cpu, n) (*DPCPU_ID_PTR(cpu, n))
#define DPCPU_ID_SET(cpu, n, v) (*DPCPU_ID_PTR(cpu, n) = (v))
/* Adds v to this CPU's copy of an integer variable, safe against migration. */
#define DPCPU_ADD(n, v)                                                                         \
	((void)sizeof(char[(PCPU_DPCPU_FLAGS(DPCPU_NAME(n)) & PCPU_DPCPU_F_INTEGER) ? 1 : -1]), \
	 pcpu_dpcpu_add_inline(&PCPU_DPCPU_DESC(n), sizeof(DPCPU_NAME(n)), (int64_t)(v)))

/* DPCPU_ADD's first attempt, inline as counter_u64_add()'s is (size is a constant, so one
 * case remains); a set that could not be placed (cpu0 NULL, which the section's text
 * tests: <pcpu/arch/x86_64.h> says why) and every failed attempt are pcpu_dpcpu_add()'s. */
static inline void pcpu_dpcpu_add_inline(const struct pcpu_dpcpu_desc *d, size_t size, int64_t v)
{
	uint64_t hot = pcpu_percpu_hot;
	void *slot0 = *d->cpu0;
	int done;

	switch (size) {
	case 1:
		done = pcpu_percpu_add8_once_unless_null(hot, slot0, (uint8_t)v);
		break;
	case 2:
		done = pcpu_percpu_add16_once_unless_null(hot, slot0, (uint16_t)v);
		break;
	case 4:
		done = pcpu_percpu_add32_once_unless_null(hot, slot0, (uint32_t)v);
		break;
	default:
		done = pcpu_percpu_add64_once_unless_null(hot, slot0, (uint64_t)v);
		break;
	}
	if (!done)
		pcpu_dpcpu_add(d, v);
}

/*
 * Each executable and shared library has its own set_pcpu; these hidden weak references
 * resolve to its own bounds (NULL when it has no DPCPU variable), and every translation
 * unit's constructor offers them (registration is idempotent). Priority 101 runs it before
 * the default-priority constructors of the same object, which may already use DPCPU.
 */
extern char __start_set_pcpu[] __attribute__((weak, visibility("hidden")));
extern char __stop_set_pcpu[] __attribute__((weak, visibility("hidden")));
extern const struct pcpu_dpcpu_desc __start_set_pcpu_desc[]
	__attribute__((weak, visibility("hidden")));
extern const struct pcpu_dpcpu_desc __stop_set_pcpu_desc[]
	__attribute__((weak, visibility("hidden")));

/* libpcpu's own sources leave it out: the library defines no DPCPU variable, and its
 * .init_array holds only what pcpu(3) lists. */
#ifndef PCPU_BUILDING_LIBPCPU
__attribute__((constructor(101))) static void pcpu_dpcpu_register_this_object(void)
{
	if (__start_set_pcpu_desc != NULL)
		pcpu_dpcpu_register(__start_set_pcpu, __stop_set_pcpu, __start_set_pcpu_desc,
				    __stop_set_pcpu_desc);
}
#endif

#ifdef __cplusplus
}
#endif

#endif
