// SPDX-License-Identifier: GPL-2.0
/*
 * talexec: run a .talo program in the mode the lab asks for.
 *
 *   talexec [--mode auto|kernel|user|user-sysenter] PROGRAM.talo [ARG...]
 *
 * Sets the mode with prctl(PR_TAL_SET_MODE) and execve()s the program;
 * the guest kernel's binfmt_talo does the rest.  Freestanding (no libc)
 * to keep the initramfs small; system calls go through int $0x80.
 */
#define NR_exit		1
#define NR_write	4
#define NR_execve	11
#define NR_prctl	172

#define PR_TAL_SET_MODE	0x54414c00

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
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
	sys3(NR_write, 2, (long)s, slen(s));
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static const char *errname(long err)
{
	switch (err) {
	case 1:   return "operation not permitted";
	case 2:   return "no such file";
	case 8:   return "not an executable (exec format error)";
	case 12:  return "out of memory";
	case 13:  return "permission denied";
	case 22:  return "invalid .talo image";
	case 126: return "no signing key has been injected (ENOKEY)";
	case 129: return "signature rejected, ring 0 refused (EKEYREJECTED)";
	default:  return "execve failed";
	}
}

static void usage(void)
{
	say("usage: talexec [--mode auto|kernel|user|user-sysenter] PROGRAM.talo [ARG...]\n");
	sys3(NR_exit, 2, 0, 0);
}

static const char *const modes[] = { "auto", "kernel", "user", "user-sysenter" };

int talexec_main(int argc, char **argv, char **envp)
{
	long mode = 0, err;
	int i = 1;

	if (i < argc && same(argv[i], "--mode")) {
		if (i + 1 >= argc)
			usage();
		for (mode = 0; mode < 4; mode++)
			if (same(argv[i + 1], modes[mode]))
				break;
		if (mode == 4)
			usage();
		i += 2;
	}
	if (i >= argc)
		usage();
	err = sys3(NR_prctl, PR_TAL_SET_MODE, mode, 0);
	if (err) {
		say("talexec: this kernel does not run .talo programs\n");
		return 1;
	}
	err = sys3(NR_execve, (long)argv[i], (long)(argv + i), (long)envp);
	say("talexec: ");
	say(argv[i]);
	say(": ");
	say(errname(-err));
	say("\n");
	return 127;
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
    "	call talexec_main\n"
    "	movl %eax, %ebx\n"
    "	movl $1, %eax\n"
    "	int $0x80\n");
