// The public headers of the per-CPU domain compile as C++ (they declare extern "C"), so
// that a C++ program can call counter(3), zpcpu(3) and pcpu(3) and read struct pcpu.
// The DPCPU_* macros rely on C11 _Generic and stay C only (see pcpu(3)).
#include <pcpu/counter.h>
#include <pcpu/kcpuset.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

int cxx_include_probe(counter_u64_t c)
{
	counter_u64_add(c, 1);
	return pcpu_find(0) != nullptr && zpcpu_stride() != 0;
}
