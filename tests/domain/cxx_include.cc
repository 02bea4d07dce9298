// The public headers of the per-CPU domain compile as C++ (they declare extern "C"), so
// that a C++ program can call counter(3), zpcpu(3), pcpu(3), pcpu_metric(3) and
// pcpu_histogram(3) and read struct pcpu.
// The DPCPU_* macros rely on C11 _Generic and stay C only (see pcpu(3)).
#include <pcpu/counter.h>
#include <pcpu/histogram.h>
#include <pcpu/kcpuset.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

COUNTER_U64_DEFINE_EARLY_METRIC(cxx_bytes, PCPU_METRIC_COUNTER, "bytes", "Bytes");

int cxx_include_probe(counter_u64_t c, pcpu_histogram_t h)
{
	struct pcpu_metric m = {PCPU_METRIC_GAUGE, "Help", nullptr, nullptr, nullptr, 0};

	counter_u64_add(c, 1);
	pcpu_histogram_observe(h, 42);
	return pcpu_find(0) != nullptr && zpcpu_stride() != 0 && pcpu_metric_describe("x", &m) == 0;
}
