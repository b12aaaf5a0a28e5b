/* net.c: loopback TCP helpers (see net.h). */
#include "net.h"

#define AF_INET 2
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define TCP_NODELAY 1
#define MSG_DONTWAIT 0x40
#define POLLIN 1
#define POLLOUT 4
#define BLOCKING_LIMIT 16384

struct sockaddr_in {
	unsigned short family;
	unsigned short port;	/* network byte order */
	u32 addr;		/* network byte order */
	unsigned char zero[8];
};

struct pollfd {
	s32 fd;
	short events;
	short revents;
};

s32 net_connect_loopback(const char *who, u32 port)
{
	struct sockaddr_in sa;
	s32 fd, r, one = 1;

	if (port == 0 || port > 65535)
		die(who, "port must be 1..65535", 0);
	fd = sys3(NR_socket, AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die(who, "socket failed", fd);
	memset(&sa, 0, sizeof(sa));
	sa.family = AF_INET;
	sa.port = (unsigned short)(((port & 0xff) << 8) | (port >> 8));
	sa.addr = 0x0100007f; /* 127.0.0.1 */
	r = sys3(NR_connect, (u32)fd, (u32)&sa, sizeof(sa));
	if (r < 0)
		die(who, "connect failed", r);
	r = sys5(NR_setsockopt, (u32)fd, IPPROTO_TCP, TCP_NODELAY, (u32)&one, sizeof(one));
	if (r < 0)
		die(who, "setsockopt(TCP_NODELAY) failed", r);
	return fd;
}

static s32 receive_some(s32 fd, unsigned char *in, u32 want)
{
	s32 n;

	do {
		n = sys3(NR_read, (u32)fd, (u32)in, want);
	} while (n == -EINTR);
	return n == 0 ? -1 : n;
}

s32 net_roundtrip(s32 fd, const unsigned char *out, unsigned char *in, u32 size)
{
	u32 sent = 0, got = 0;
	s32 n;

	if (size <= BLOCKING_LIMIT) {
		n = rt_write_all(fd, out, size);
		if (n < 0)
			return n;
		while (got < size) {
			n = receive_some(fd, in + got, size - got);
			if (n < 0)
				return n;
			got += (u32)n;
		}
		return 0;
	}
	while (got < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

		if (sent < size)
			p.events |= POLLOUT;
		n = sys3(NR_poll, (u32)&p, 1, (u32)-1);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		if ((p.revents & POLLOUT) && sent < size) {
			n = sys6z(NR_sendto, (u32)fd, (u32)(out + sent), size - sent, MSG_DONTWAIT, 0);
			if (n < 0 && n != -EAGAIN && n != -EINTR)
				return n;
			if (n > 0)
				sent += (u32)n;
		}
		if (p.revents & ~POLLOUT) {
			n = receive_some(fd, in + got, size - got);
			if (n < 0)
				return n;
			got += (u32)n;
		}
	}
	return 0;
}
