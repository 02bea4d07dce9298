/* A module with a thread-local variable, loaded by first_prog with dlopen(): reaching it
 * goes through the thread's DTV, the pointer glibc keeps in the thread's TCB. */
static __thread long value = 41;

long first_tls_bump(void)
{
	return ++value;
}
