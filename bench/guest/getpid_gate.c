/*
 * getpid_gate: the user-mode side of the system-call microbenchmark.
 *
 * Usage: getpid_gate int80|sysenter N
 *
 * Calls getpid N times through one trap path, `int 0x80` or the vDSO's
 * __kernel_vsyscall (sysenter), timed with the guest's monotonic clock, and
 * prints one line:
 *   getpid_gate gate=int80 calls=N ns=TOTAL
 * The host divides; the loop adds a few instructions per call, the same for
 * both gates.
 */
#include "rt.h"

static void loop_int80(u32 n)
{
	while (n--) {
		s32 r;

		__asm__ volatile("int $0x80" : "=a"(r) : "a"(NR_getpid) : "memory");
	}
}

static void loop_sysenter(u32 n, u32 vsyscall)
{
	while (n--) {
		s32 r;

		__asm__ volatile("call *%1" : "=a"(r) : "r"(vsyscall), "a"(NR_getpid) : "memory");
	}
}

int main(int argc, char **argv)
{
	struct line l = { .len = 0 };
	u32 n;
	u64 start, end;
	int sysenter;

	if (argc != 3 || rt_parse_u32(argv[2], &n) != 0)
		die("getpid_gate", "usage: getpid_gate int80|sysenter N", 0);
	if (rt_streq(argv[1], "int80"))
		sysenter = 0;
	else if (rt_streq(argv[1], "sysenter"))
		sysenter = 1;
	else
		die("getpid_gate", "gate must be int80 or sysenter", 0);
	if (sysenter && rt_vsyscall == 0)
		die("getpid_gate", "the kernel passed no AT_SYSINFO (no vDSO)", 0);

	start = now_ns();
	if (sysenter)
		loop_sysenter(n, rt_vsyscall);
	else
		loop_int80(n);
	end = now_ns();

	line_str(&l, "getpid_gate");
	line_kvs(&l, "gate", argv[1]);
	line_kv(&l, "calls", n);
	line_kv(&l, "ns", end - start);
	line_flush(&l, 1);
	return 0;
}
