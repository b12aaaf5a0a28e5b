// SPDX-License-Identifier: GPL-2.0
/*
 * talprobe: the guest side of TAL Lab's hostile tests.  Each command tries
 * one way into a ring-0 program's memory and prints what the kernel said,
 * one line, "talprobe: <what> <result>", result being 0 / a count or
 * -errno.  The tests decide what is right; talprobe only tries.
 *
 *   talprobe attach PID        ptrace(PTRACE_ATTACH) and ptrace(PTRACE_SEIZE)
 *   talprobe traceme PROG      fork; the child does PTRACE_TRACEME, then
 *                              execve()s PROG in kernel mode
 *   talprobe race PROG N [UID] fork; the child (as UID if given) execs PROG
 *                              in kernel mode while the parent opens
 *                              /proc/CHILD/mem N times; once the child runs,
 *                              count the handles that still read or write
 *                              the new image ("aliased")
 *   talprobe perf              perf_event_open of a CPU-clock sampling event
 *                              that records the registers interrupted in the
 *                              kernel (PERF_SAMPLE_REGS_INTR): it would sample
 *                              the signature check while it holds key bytes
 *
 * Freestanding (no libc) like talexec; system calls through int $0x80.
 */
#define NR_exit		1
#define NR_fork		2
#define NR_read		3
#define NR_write	4
#define NR_open		5
#define NR_close	6
#define NR_waitpid	7
#define NR_execve	11
#define NR_lseek	19
#define NR_ptrace	26
#define NR_kill		37
#define NR_prctl	172
#define NR_nanosleep	162
#define NR_setuid32	213
#define NR_setgid32	214
#define NR_perf_event_open	336

#define PR_TAL_SET_MODE		0x54414c00
#define TAL_MODE_KERNEL		1
#define PTRACE_TRACEME		0
#define PTRACE_ATTACH		16
#define PTRACE_SEIZE		0x4206
#define O_RDWR			2
#define SIGKILL			9
#define CODE_VADDR		0x08048000	/* where the assembler puts code */
#define MAX_HANDLES		512

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static long sys4(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}

static long sys5(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
	return ret;
}

static long slen(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(NR_write, 1, (long)s, slen(s));
}

static void say_num(long v)
{
	char buf[16], *p = buf + sizeof(buf) - 1;
	unsigned long u = v < 0 ? -v : v;

	*p = 0;
	do
		*--p = '0' + u % 10;
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	say(p);
}

static void report(const char *what, long result)
{
	say("talprobe: ");
	say(what);
	say(" ");
	say_num(result);
	say("\n");
}

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void nap(long ms)
{
	long ts[2] = { ms / 1000, (ms % 1000) * 1000000 };

	sys3(NR_nanosleep, (long)ts, 0, 0);
}

static void proc_path(char *buf, long pid, const char *leaf)
{
	char digits[16], *d = digits + sizeof(digits) - 1;
	const char *p = "/proc/";

	*d = 0;
	do
		*--d = '0' + pid % 10;
	while (pid /= 10);
	while (*p)
		*buf++ = *p++;
	while (*d)
		*buf++ = *d++;
	*buf++ = '/';
	while (*leaf)
		*buf++ = *leaf++;
	*buf = 0;
}

static void __attribute__((noreturn)) exec_kernel(const char *prog, char **envp)
{
	char *argv[] = { (char *)prog, 0 };
	long err;

	sys3(NR_prctl, PR_TAL_SET_MODE, TAL_MODE_KERNEL, 0);
	err = sys3(NR_execve, (long)prog, (long)argv, (long)envp);
	sys3(NR_exit, -err, 0, 0);
	__builtin_unreachable();
}

static int cmd_attach(long pid)
{
	report("attach", sys4(NR_ptrace, PTRACE_ATTACH, pid, 0, 0));
	report("seize", sys4(NR_ptrace, PTRACE_SEIZE, pid, 0, 0));
	return 0;
}

static int cmd_traceme(const char *prog, char **envp)
{
	long pid = sys3(NR_fork, 0, 0, 0), status = 0;

	if (pid == 0) {
		sys4(NR_ptrace, PTRACE_TRACEME, 0, 0, 0);
		exec_kernel(prog, envp);
	}
	/* A traced child stops at a successful exec; it must not get that far. */
	sys3(NR_waitpid, pid, (long)&status, 0);
	if ((status & 0xff) == 0x7f) {
		report("traceme-stopped", (status >> 8) & 0xff);
		sys3(NR_kill, pid, SIGKILL, 0);
		sys3(NR_waitpid, pid, (long)&status, 0);
		return 1;
	}
	report("traceme-exit", (status >> 8) & 0xff);
	return 0;
}

static int cmd_race(const char *prog, long tries, long uid, char **envp)
{
	static long fds[MAX_HANDLES];
	char path[64], word[4];
	long pid, i, n = 0, aliased = 0, status;

	if (tries > MAX_HANDLES)
		tries = MAX_HANDLES;
	if (uid >= 0 && (sys3(NR_setgid32, uid, 0, 0) || sys3(NR_setuid32, uid, 0, 0))) {
		report("race-setuid", -1);
		return 1;
	}
	pid = sys3(NR_fork, 0, 0, 0);
	if (pid == 0)
		exec_kernel(prog, envp);
	proc_path(path, pid, "mem");
	for (i = 0; i < tries; i++) {
		long fd = sys3(NR_open, (long)path, O_RDWR, 0);

		if (fd >= 0)
			fds[n++] = fd;
	}
	report("race-opened", n);
	nap(300);	/* the child is in ring 0 by now */
	for (i = 0; i < n; i++) {
		if (sys3(NR_lseek, fds[i], CODE_VADDR, 0) == CODE_VADDR &&
		    sys3(NR_read, fds[i], (long)word, 4) > 0)
			aliased++;
		if (sys3(NR_lseek, fds[i], CODE_VADDR, 0) == CODE_VADDR &&
		    sys3(NR_write, fds[i], (long)word, 4) > 0)
			aliased++;
		sys3(NR_close, fds[i], 0, 0);
	}
	report("race-aliased", aliased);
	sys3(NR_kill, pid, SIGKILL, 0);
	sys3(NR_waitpid, pid, (long)&status, 0);
	return aliased != 0;
}

/*
 * The kernel must refuse the event (lockdown, confidentiality: -EPERM) even to
 * root.  The attribute is laid out as in <linux/perf_event.h>, version 5.
 */
static int cmd_perf(void)
{
	unsigned int attr[28] = { 0 };	/* 112 bytes */
	long fd;

	attr[0] = 1;		/* type: PERF_TYPE_SOFTWARE */
	attr[1] = sizeof(attr);	/* size */
	attr[2] = 0;		/* config: PERF_COUNT_SW_CPU_CLOCK */
	attr[4] = 1000;		/* sample_period */
	attr[6] = 1 << 18;	/* sample_type: PERF_SAMPLE_REGS_INTR */
	attr[24] = 0xff;	/* sample_regs_intr: eax..edi */
	fd = sys5(NR_perf_event_open, (long)attr, -1, 0, -1, 0);	/* pid any, cpu 0, no group, no flags */
	report("perf-regs-intr", fd);
	if (fd >= 0)
		sys3(NR_close, fd, 0, 0);
	return fd >= 0;
}

static void usage(void)
{
	say("usage: talprobe attach PID | traceme PROG | race PROG N [UID] | perf\n");
	sys3(NR_exit, 2, 0, 0);
}

int talprobe_main(int argc, char **argv, char **envp)
{
	if (argc == 3 && same(argv[1], "attach"))
		return cmd_attach(parse(argv[2]));
	if (argc == 3 && same(argv[1], "traceme"))
		return cmd_traceme(argv[2], envp);
	if ((argc == 4 || argc == 5) && same(argv[1], "race"))
		return cmd_race(argv[2], parse(argv[3]), argc == 5 ? parse(argv[4]) : -1, envp);
	if (argc == 2 && same(argv[1], "perf"))
		return cmd_perf();
	usage();
	return 2;
}

/* Process entry: %esp points at argc, argv..., NULL, envp..., NULL. */
asm(".globl _start\n"
    "_start:\n"
    "	xorl %ebp, %ebp\n"
    "	movl (%esp), %eax\n"
    "	leal 4(%esp), %edx\n"
    "	leal 8(%esp,%eax,4), %ecx\n"
    "	andl $-16, %esp\n"
    "	subl $4, %esp\n"
    "	pushl %ecx\n"
    "	pushl %edx\n"
    "	pushl %eax\n"
    "	call talprobe_main\n"
    "	movl %eax, %ebx\n"
    "	movl $1, %eax\n"
    "	int $0x80\n");
