/*
 * rt.h: the freestanding runtime shared by the benchmark's guest programs.
 *
 * The programs are static i386 binaries with no libc, so that the guest needs
 * nothing but a kernel, the build needs nothing but Debian's
 * gcc-i686-linux-gnu, and every system call a program makes is one we wrote:
 * through `int 0x80` (sys*), or through the vDSO's __kernel_vsyscall (the
 * sysenter path) where a benchmark asks for it.
 *
 * Every program defines `int main(int argc, char **argv)`; _start calls it
 * and passes its result to exit_group.
 */
#ifndef BENCH_RT_H
#define BENCH_RT_H

typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int size_t;

#define NR_exit 1
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_open 5
#define NR_close 6
#define NR_execve 11
#define NR_getpid 20
#define NR_mkdir 39
#define NR_dup2 63
#define NR_wait4 114
#define NR_poll 168
#define NR_exit_group 252
#define NR_socket 359
#define NR_connect 362
#define NR_setsockopt 366
#define NR_sendto 369
#define NR_recvfrom 371
#define NR_clock_gettime64 403

#define AT_SYSINFO 32
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define EINTR 4
#define EAGAIN 11

/* Filled in by _start: the vDSO's __kernel_vsyscall, or 0 when the kernel offers none. */
extern u32 rt_vsyscall;
extern char **rt_envp;

static inline s32 sys0(u32 nr)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
	return r;
}

static inline s32 sys1(u32 nr, u32 a)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a) : "memory");
	return r;
}

static inline s32 sys2(u32 nr, u32 a, u32 b)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory");
	return r;
}

static inline s32 sys3(u32 nr, u32 a, u32 b, u32 c)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static inline s32 sys4(u32 nr, u32 a, u32 b, u32 c, u32 d)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return r;
}

static inline s32 sys5(u32 nr, u32 a, u32 b, u32 c, u32 d, u32 e)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
	return r;
}

/* sendto/recvfrom take six arguments; the sixth (the address length) is 0 in every use here, so EBP stays 0. */
static inline s32 sys6z(u32 nr, u32 a, u32 b, u32 c, u32 d, u32 e)
{
	return sys5(nr, a, b, c, d, e);
}

struct timespec64 {
	s64 tv_sec;
	s32 tv_nsec;
	s32 pad;
};

#define CLOCK_MONOTONIC 1

/* Nanoseconds of the guest's monotonic clock (through the system call, the same cost in every run). */
static inline u64 now_ns(void)
{
	struct timespec64 ts;
	sys2(NR_clock_gettime64, CLOCK_MONOTONIC, (u32)&ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)(u32)ts.tv_nsec;
}

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
size_t rt_strlen(const char *s);
int rt_streq(const char *a, const char *b);
/* Parses a decimal u32; returns 0 on success, -1 when `s` is not a plain decimal number. */
int rt_parse_u32(const char *s, u32 *out);
/* Writes the whole buffer to fd; returns 0 or a negative errno. */
s32 rt_write_all(s32 fd, const void *buf, u32 len);

/* A small line builder for the machine-readable output lines. */
struct line {
	char buf[512];
	u32 len;
};
void line_str(struct line *l, const char *s);
void line_u64(struct line *l, u64 v);
void line_s64(struct line *l, s64 v);
/* Appends " key=value". */
void line_kv(struct line *l, const char *key, u64 v);
void line_kvs(struct line *l, const char *key, const char *v);
void line_flush(struct line *l, s32 fd);

/* Prints "NAME: MESSAGE" (and the errno when err < 0) to stderr and exits with status 2. */
void die(const char *name, const char *message, s32 err) __attribute__((noreturn));

/* Sorts u64 values in place (heap sort: no recursion, no allocation). */
void sort_u64(u64 *v, u32 n);

int main(int argc, char **argv);

#endif
