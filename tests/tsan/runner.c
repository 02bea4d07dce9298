/* In-process runner behind tests/tsan/criterion/criterion.h; see that header for why. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXIT_SKIPPED = 77 };

static struct criterion_test *tests;
static struct suite_extra {
	const char *suite;
	struct criterion_test_extra extra;
	struct suite_extra *next;
} * suites;
static int failures_in_child;

void criterion_shim_register(struct criterion_test *t)
{
	t->next = tests;
	tests = t;
}

void criterion_shim_register_suite(const char *suite, struct criterion_test_extra extra)
{
	static struct suite_extra pool[64];
	static int used;

	if (used == 64)
		abort();
	pool[used] = (struct suite_extra){suite, extra, suites};
	suites = &pool[used++];
}

/* The test's own thread ends its process with exit(), as Criterion does, so that exit
 * handlers run (test_tmpdir() removes its directories in one); another thread of the
 * test, which may fail while the test's thread runs on, ends it with _exit(). */
static pthread_t test_thread;

static _Noreturn void end_test(int status)
{
	if (pthread_equal(pthread_self(), test_thread))
		exit(status);
	_exit(status);
}

void criterion_shim_fail(const char *file, int line, int fatal, const char *what, const char *fmt,
			 ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: assertion failed: %s", file, line, what);
	if (*fmt) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	failures_in_child++;
	if (fatal)
		end_test(1);
}

void criterion_shim_skip(const char *why)
{
	fprintf(stderr, "%s\n", why);
	end_test(EXIT_SKIPPED);
}

static const struct criterion_test_extra *suite_extra(const char *suite)
{
	for (struct suite_extra *s = suites; s; s = s->next)
		if (strcmp(s->suite, suite) == 0)
			return &s->extra;
	return NULL;
}

static void run_in_child(const struct criterion_test *t)
{
	const struct criterion_test_extra *se = suite_extra(t->suite);
	void (*init)(void) = t->extra.init ? t->extra.init : se ? se->init : NULL;
	void (*fini)(void) = t->extra.fini ? t->extra.fini : se ? se->fini : NULL;
	double timeout = t->extra.timeout > 0 ? t->extra.timeout : se ? se->timeout : 0;

	test_thread = pthread_self();
	if (timeout > 0)
		alarm((unsigned)timeout + 1);
	if (init)
		init();
	t->fn();
	if (fini)
		fini();
	end_test(failures_in_child ? 1 : 0);
}

int main(void)
{
	int tested = 0, passed = 0, failed = 0;

	for (const struct criterion_test *t = tests; t; t = t->next) {
		if (t->extra.disabled)
			continue;
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			run_in_child(t);
		int status = 0;
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIPPED)
			continue;
		tested++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			passed++;
			continue;
		}
		failed++;
		if (WIFSIGNALED(status))
			fprintf(stderr, "[FAIL] %s::%s: killed by signal %d\n", t->suite, t->name,
				WTERMSIG(status));
		else
			fprintf(stderr, "[FAIL] %s::%s\n", t->suite, t->name);
	}
	printf("Synthesis: Tested: %d | Passing: %d | Failing: %d\n", tested, passed, failed);
	return failed ? 1 : 0;
}
