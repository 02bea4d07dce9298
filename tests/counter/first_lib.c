/*
 * A library that knows nothing of libpcpu and is initialised before it (first_prog needs
 * libpcpu, then this): its constructor calls the program's hook, as a library's start-up
 * code calls a function the program interposes (malloc, a logging hook), so the program
 * runs before libpcpu's constructor.
 */
extern void first_prog_hook(void) __attribute__((weak));

static int hook_called;

__attribute__((constructor)) static void call_the_program(void)
{
	if (first_prog_hook != 0) {
		first_prog_hook();
		hook_called = 1;
	}
}

int first_lib_hook_called(void)
{
	return hook_called;
}
