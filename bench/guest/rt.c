/* rt.c: process entry, string and output helpers for the benchmark's guest programs (see rt.h). */
#include "rt.h"

u32 rt_vsyscall;
char **rt_envp;

/*
 * The kernel enters with ESP at argc. Keep the stack 16-byte aligned at the
 * call as the i386 ABI asks, and hand start_c a pointer to argc.
 */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %esp, %eax\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %eax\n"
	"	call start_c\n"
	"	hlt\n");

void start_c(u32 *sp) __attribute__((noreturn, used));

void start_c(u32 *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **p = envp;
	u32 *aux;

	while (*p)
		p++;
	for (aux = (u32 *)(p + 1); aux[0] != 0; aux += 2) {
		if (aux[0] == AT_SYSINFO)
			rt_vsyscall = aux[1];
	}
	rt_envp = envp;
	sys1(NR_exit_group, (u32)main(argc, argv));
	for (;;)
		;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

size_t rt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int rt_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int rt_parse_u32(const char *s, u32 *out)
{
	u64 v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (u32)(*s - '0');
		if (v > 0xffffffffull)
			return -1;
	}
	*out = (u32)v;
	return 0;
}

s32 rt_write_all(s32 fd, const void *buf, u32 len)
{
	const char *p = buf;

	while (len > 0) {
		s32 n = sys3(NR_write, (u32)fd, (u32)p, len);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		p += n;
		len -= (u32)n;
	}
	return 0;
}

void line_str(struct line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

void line_u64(struct line *l, u64 v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0 && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = digits[--n];
}

void line_s64(struct line *l, s64 v)
{
	if (v < 0) {
		line_str(l, "-");
		line_u64(l, (u64)-v);
	} else {
		line_u64(l, (u64)v);
	}
}

void line_kv(struct line *l, const char *key, u64 v)
{
	line_str(l, " ");
	line_str(l, key);
	line_str(l, "=");
	line_u64(l, v);
}

void line_kvs(struct line *l, const char *key, const char *v)
{
	line_str(l, " ");
	line_str(l, key);
	line_str(l, "=");
	line_str(l, v);
}

void line_flush(struct line *l, s32 fd)
{
	l->buf[l->len++] = '\n';
	rt_write_all(fd, l->buf, l->len);
	l->len = 0;
}

void die(const char *name, const char *message, s32 err)
{
	struct line l = { .len = 0 };

	line_str(&l, name);
	line_str(&l, ": ");
	line_str(&l, message);
	if (err < 0) {
		line_str(&l, " (errno ");
		line_s64(&l, -err);
		line_str(&l, ")");
	}
	line_flush(&l, 2);
	sys1(NR_exit_group, 2);
	for (;;)
		;
}

static void sift_down(u64 *v, u32 start, u32 end)
{
	u32 root = start;

	while (2 * root + 1 < end) {
		u32 child = 2 * root + 1;
		u64 t;

		if (child + 1 < end && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

void sort_u64(u64 *v, u32 n)
{
	u32 i;

	for (i = n / 2; i > 0; i--)
		sift_down(v, i - 1, n);
	for (i = n; i > 1; i--) {
		u64 t = v[0];

		v[0] = v[i - 1];
		v[i - 1] = t;
		sift_down(v, 0, i - 1);
	}
}
