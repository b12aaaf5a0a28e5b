/*
 * echo_latency: the client of the echo-server benchmark.
 *
 * Usage: echo_latency PORT COUNT SIZE [WARMUP]
 *
 * Connects to 127.0.0.1:PORT, sends WARMUP (default 20) untimed messages and
 * then COUNT messages of SIZE bytes one at a time, each timed from before the
 * send to the last byte of its echo by the guest's monotonic clock. Prints:
 *   echo_latency size=S count=C median_ns=M min_ns=A max_ns=B mean_ns=X
 */
#include "net.h"

#define MAX_COUNT 100000
#define MAX_SIZE 65536

static u64 samples[MAX_COUNT];
static unsigned char out[MAX_SIZE];
static unsigned char in[MAX_SIZE];

int main(int argc, char **argv)
{
	struct line l = { .len = 0 };
	u32 port, count, size, warmup = 20, i;
	u64 total = 0;
	s32 fd, r;

	if ((argc != 4 && argc != 5) || rt_parse_u32(argv[1], &port) != 0 || rt_parse_u32(argv[2], &count) != 0 ||
	    rt_parse_u32(argv[3], &size) != 0 || (argc == 5 && rt_parse_u32(argv[4], &warmup) != 0))
		die("echo_latency", "usage: echo_latency PORT COUNT SIZE [WARMUP]", 0);
	if (count == 0 || count > MAX_COUNT)
		die("echo_latency", "COUNT must be 1..100000", 0);
	if (size == 0 || size > MAX_SIZE)
		die("echo_latency", "SIZE must be 1..65536", 0);
	for (i = 0; i < size; i++)
		out[i] = (unsigned char)(i * 7 + 1);

	fd = net_connect_loopback("echo_latency", port);
	for (i = 0; i < warmup + count; i++) {
		u64 start = now_ns(), end;

		r = net_roundtrip(fd, out, in, size);
		end = now_ns();
		if (r < 0)
			die("echo_latency", "round trip failed", r);
		if (i >= warmup)
			samples[i - warmup] = end - start;
	}
	sys1(NR_close, (u32)fd);
	if (in[size - 1] != out[size - 1])
		die("echo_latency", "the echo differs from what was sent", 0);

	for (i = 0; i < count; i++)
		total += samples[i];
	sort_u64(samples, count);
	line_str(&l, "echo_latency");
	line_kv(&l, "size", size);
	line_kv(&l, "count", count);
	/* The lower median for an even count: a value that was measured. */
	line_kv(&l, "median_ns", samples[(count - 1) / 2]);
	line_kv(&l, "min_ns", samples[0]);
	line_kv(&l, "max_ns", samples[count - 1]);
	line_kv(&l, "mean_ns", total / count);
	line_flush(&l, 1);
	return 0;
}
