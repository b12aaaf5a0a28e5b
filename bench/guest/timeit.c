/*
 * timeit: runs one program and reports its exit status and how long it took
 * by the guest's monotonic clock, measured from outside the program (fork to
 * reaped), so a TAL program needs no timing code of its own.
 *
 * Usage: timeit OUTFILE PROGRAM [ARGS...]
 *
 * The program's standard output goes to OUTFILE (e.g. /dev/null or a file on
 * tmpfs), never to the serial console, whose speed would swamp what we
 * measure. Prints one line:
 *   timeit status=S ns=T
 * where S is the exit status, or 128+signal when the program was killed.
 */
#include "rt.h"

int main(int argc, char **argv)
{
	struct line l = { .len = 0 };
	s32 pid, status = 0, r;
	u64 start, end;

	if (argc < 3)
		die("timeit", "usage: timeit OUTFILE PROGRAM [ARGS...]", 0);

	start = now_ns();
	pid = sys0(NR_fork);
	if (pid < 0)
		die("timeit", "fork failed", pid);
	if (pid == 0) {
		s32 fd = sys3(NR_open, (u32)argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			die("timeit", "cannot open the output file", fd);
		if (fd != 1) {
			sys2(NR_dup2, (u32)fd, 1);
			sys1(NR_close, (u32)fd);
		}
		r = sys3(NR_execve, (u32)argv[2], (u32)(argv + 2), (u32)rt_envp);
		die("timeit", "execve failed", r);
	}
	do {
		r = sys4(NR_wait4, (u32)pid, (u32)&status, 0, 0);
	} while (r == -EINTR);
	end = now_ns();
	if (r < 0)
		die("timeit", "wait4 failed", r);

	line_str(&l, "timeit");
	/* Exited: status byte 0 of the low 7 bits; killed: 128 + the signal, as the shell reports it. */
	line_kv(&l, "status", (status & 0x7f) == 0 ? (u32)((status >> 8) & 0xff) : 128 + (u32)(status & 0x7f));
	line_kv(&l, "ns", end - start);
	line_flush(&l, 1);
	return 0;
}
