/*
 * echo_verify: checks an echo server on 127.0.0.1:PORT byte for byte.
 *
 * Usage: echo_verify PORT
 *
 * On one connection, sends messages of 1 byte to 64 KiB and checks each echo.
 * Then queues a second connection, sends 50,000 bytes on the first and closes
 * it without reading the echo (the server is mid-message when the client
 * leaves), and checks that the server serves the second connection. Prints
 * "echo_verify size=N ok" per message and "echo_verify ok" at the end; any
 * difference ends it with status 2 and a message.
 */
#include "net.h"

#define MSG_DONTWAIT 0x40
#define ABANDONED_BYTES 50000

static const u32 sizes[] = { 1, 2, 3, 100, 1000, 4096, 16384, 16385, 65535, 65536 };
static unsigned char out[65536];
static unsigned char in[65536];

static void check_echo(s32 fd, u32 size)
{
	struct line l = { .len = 0 };
	u32 i;
	s32 r;

	for (i = 0; i < size; i++)
		out[i] = (unsigned char)((i * 7 + size) % 256);
	memset(in, 0, size);
	r = net_roundtrip(fd, out, in, size);
	if (r < 0)
		die("echo_verify", "round trip failed", r);
	for (i = 0; i < size; i++) {
		if (in[i] != out[i])
			die("echo_verify", "the echo differs from what was sent", 0);
	}
	line_str(&l, "echo_verify");
	line_kv(&l, "size", size);
	line_str(&l, " ok");
	line_flush(&l, 1);
}

int main(int argc, char **argv)
{
	struct line l = { .len = 0 };
	u32 port, i;
	s32 first, second, r;

	if (argc != 2 || rt_parse_u32(argv[1], &port) != 0)
		die("echo_verify", "usage: echo_verify PORT", 0);

	first = net_connect_loopback("echo_verify", port);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_echo(first, sizes[i]);

	/* Queued in the listen backlog while the server still serves the first connection. */
	second = net_connect_loopback("echo_verify", port);
	memset(out, 0x5a, ABANDONED_BYTES);
	r = sys6z(NR_sendto, (u32)first, (u32)out, ABANDONED_BYTES, MSG_DONTWAIT, 0);
	if (r <= 0)
		die("echo_verify", "sending the abandoned message failed", r);
	sys1(NR_close, (u32)first);

	check_echo(second, 10);
	check_echo(second, 65536);
	sys1(NR_close, (u32)second);
	line_str(&l, "echo_verify ok");
	line_flush(&l, 1);
	return 0;
}
