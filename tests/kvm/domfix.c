#include "kvm/domfix.h"

#include "common/testutil.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "format/holders.h"

static uint64_t page_round(uint64_t n)
{
	return (n + DOMFIX_PAGE - 1) & ~(uint64_t)(DOMFIX_PAGE - 1);
}

static int grow(struct domfix *f, size_t len)
{
	unsigned char *p = realloc(f->buf, len);

	if (p == NULL)
		return -1;
	memset(p + f->len, 0, len - f->len);
	f->buf = p;
	f->len = len;
	f->hdr = (struct pcpu_dom_header *)p;
	f->hdr->file_size = len;
	return 0;
}

static void fill_toc(struct pcpu_dom_header *h)
{
	static const struct pcpu_dom_toc toc[] = {
		{DOMTYPE_MAGIC, 128},	   {DOMTYPE_VERSION, 136},	{DOMTYPE_MAXCPU, 148},
		{DOMTYPE_STRIDE, 160},	   {DOMTYPE_WRITER_BASE, 168},	{DOMTYPE_FILE_SIZE, 176},
		{DOMTYPE_PCPU_OFF, 184},   {DOMTYPE_SYM_OFF, 192},	{DOMTYPE_SYM_COUNT, 204},
		{DOMTYPE_WRITER_PID, 224}, {DOMTYPE_WRITER_START, 232}, {DOMTYPE_PROGNAME, 256},
		{DOMTYPE_READY, 832},	   {DOMTYPE_NAME, 840},		{DOMTYPE_PROC_OFF, 904},
		{DOMTYPE_PROC_CAP, 912},   {DOMTYPE_META_OFF, 920},	{DOMTYPE_META_CAP, 928},
	};

	memcpy(h->toc, toc, sizeof(toc));
}

static void fill_header(struct pcpu_dom_header *h, uint32_t maxcpu)
{
	fill_toc(h);
	memcpy(h->magic, PCPU_DOM_MAGIC, 8);
	h->version_major = PCPU_DOM_VERSION_MAJOR;
	h->version_minor = PCPU_DOM_VERSION_MINOR;
	h->hdr_size = PCPU_DOM_HDR_SIZE;
	h->page_size = DOMFIX_PAGE;
	h->maxcpu = maxcpu;
	h->pcpu_size = sizeof(struct pcpu);
	h->stride = DOMFIX_PAGE;
	h->writer_base = DOMFIX_BASE;
	h->pcpu_off = PCPU_DOM_HDR_SIZE;
	h->sym_off = h->pcpu_off + page_round((uint64_t)maxcpu * sizeof(struct pcpu));
	h->sym_cap = DOMFIX_SYM_CAP;
	h->writer_pid = 1;
	strcpy(h->progname, "domfix");
	h->ready = PCPU_DOM_READY;
}

int domfix_init(struct domfix *f, uint32_t maxcpu, uint32_t nactive)
{
	uint64_t sym_end, proc_end, meta_end;

	memset(f, 0, sizeof(*f));
	if (grow(f, PCPU_DOM_HDR_SIZE) != 0)
		return -1;
	fill_header(f->hdr, maxcpu);
	sym_end = f->hdr->sym_off + DOMFIX_SYM_CAP * sizeof(struct pcpu_dom_sym);
	f->hdr->proc_off = page_round(sym_end);
	f->hdr->proc_cap = DOMFIX_PROC_CAP;
	proc_end = f->hdr->proc_off + DOMFIX_PROC_CAP * sizeof(struct pcpu_dom_proc);
	f->hdr->meta_off = page_round(proc_end);
	f->hdr->meta_cap = DOMFIX_SYM_CAP;
	meta_end = f->hdr->meta_off + DOMFIX_SYM_CAP * sizeof(struct pcpu_dom_meta);
	if (grow(f, page_round(meta_end)) != 0 || domfix_add_chunk(f) != 0)
		return -1;
	f->hdr->dpcpu_addr = domfix_zalloc(f, DOMFIX_DPCPU_SIZE);
	f->hdr->dpcpu_size = DOMFIX_DPCPU_SIZE;
	for (uint32_t cpu = 0; cpu < maxcpu; cpu++) {
		struct pcpu *pc = domfix_pcpu(f, cpu);

		pc->pc_cpuid = cpu;
		pc->pc_present = pc->pc_online = cpu < nactive;
		pc->pc_core_id = (int32_t)cpu;
		pc->pc_numa_node = 0;
		pc->pc_dynamic = f->hdr->dpcpu_addr + (uint64_t)cpu * f->hdr->stride;
	}
	return 0;
}

void domfix_free(struct domfix *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

int domfix_add_chunk(struct domfix *f)
{
	struct pcpu_dom_header *h = f->hdr;
	uint64_t at = f->len;

	if (h->nchunks == PCPU_DOM_MAX_CHUNKS || grow(f, at + h->stride * h->maxcpu) != 0)
		return -1;
	h = f->hdr;
	h->chunk_off[h->nchunks++] = at;
	f->next = 0;
	return 0;
}

uint64_t domfix_zalloc(struct domfix *f, uint64_t size)
{
	struct pcpu_dom_header *h = f->hdr;
	uint64_t at = (f->next + 7) & ~(uint64_t)7;

	if (size > h->stride - at)
		return 0;
	f->next = at + size;
	return h->writer_base + h->chunk_off[h->nchunks - 1] + at;
}

struct pcpu_dom_sym *domfix_sym(struct domfix *f, const char *name, uint32_t kind, uint64_t addr,
				uint64_t size)
{
	struct pcpu_dom_header *h = f->hdr;
	struct pcpu_dom_sym *s = (struct pcpu_dom_sym *)(f->buf + h->sym_off) + h->sym_count++;

	strncpy(s->name, name, sizeof(s->name) - 1);
	s->addr = addr;
	s->size = size;
	s->kind = kind;
	if (kind != PCPU_SYM_OBJECT)
		s->flags = PCPU_SYMF_INTEGER;
	return s;
}

struct pcpu_dom_meta *domfix_meta(struct domfix *f, const struct pcpu_dom_sym *s, uint32_t type)
{
	struct pcpu_dom_sym *tab = (struct pcpu_dom_sym *)(f->buf + f->hdr->sym_off);
	struct pcpu_dom_meta *m = (struct pcpu_dom_meta *)(f->buf + f->hdr->meta_off) + (s - tab);

	memset(m, 0, sizeof(*m));
	m->type = (uint16_t)type;
	m->flags = PCPU_METAF_SET;
	m->sym_seq = s->seq;
	m->seq = 2;
	return m;
}

void *domfix_at(struct domfix *f, uint64_t addr, uint32_t cpu)
{
	return f->buf + (addr - f->hdr->writer_base) + (uint64_t)cpu * f->hdr->stride;
}

struct pcpu *domfix_pcpu(struct domfix *f, uint32_t cpu)
{
	return (struct pcpu *)(f->buf + f->hdr->pcpu_off) + cpu;
}

struct pcpu_dom_proc *domfix_proc(struct domfix *f, unsigned int slot, uint32_t state, int32_t pid)
{
	struct pcpu_dom_proc *p = (struct pcpu_dom_proc *)(f->buf + f->hdr->proc_off) + slot;

	*p = (struct pcpu_dom_proc){.state = state,
				    .pid = pid,
				    .pidns = DOMFIX_PIDNS,
				    .start = 1000 + (uint64_t)slot,
				    .attach_ns = 1700000000000000000ull,
				    .uid = 0};
	strcpy(p->comm, "domfix");
	return p;
}

static void hold(const char *path, const unsigned int *slots, unsigned int n, int ready)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd < 0)
		_exit(1);
	for (unsigned int i = 0; i < n; i++)
		if (pcpu_holders_slot_lock(fd, slots[i]) != 0)
			_exit(1);
	if (write(ready, "", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

pid_t domfix_hold(const char *path, const unsigned int *slots, unsigned int n)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid == 0)
		hold(path, slots, n, p[1]);
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		test_wait_exit(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

void domfix_unhold(pid_t holder)
{
	kill(holder, SIGKILL);
	test_wait_exit(holder);
}

int domfix_write(const struct domfix *f, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t done = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (done < f->len && (n = write(fd, f->buf + done, f->len - done)) > 0)
		done += (size_t)n;
	return close(fd) == 0 && done == f->len ? 0 : -1;
}

char *domfix_save(const struct domfix *f)
{
	const char *dir = test_tmpdir();
	char *path = dir ? test_path(dir, "domain") : NULL;

	if (path != NULL && domfix_write(f, path) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

void domfix_remove(char *path, const char *other_name)
{
	char *copy = strdup(path);
	const char *dir = dirname(copy);

	unlink(path);
	if (other_name != NULL) {
		char *other = test_path(dir, other_name);

		unlink(other);
		free(other);
	}
	rmdir(dir);
	free(copy);
	free(path);
}
