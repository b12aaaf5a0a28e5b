/* net.h: loopback TCP helpers for the echo benchmark's clients. */
#ifndef BENCH_NET_H
#define BENCH_NET_H
#include "rt.h"

/* A TCP connection to 127.0.0.1:port with Nagle off (each message goes out at once); exits on failure. */
s32 net_connect_loopback(const char *who, u32 port);

/*
 * Sends `size` bytes from out and receives the same number into in. Small
 * messages are one blocking send and reads; large ones interleave sending and
 * receiving with poll, so neither side can stall on a full socket buffer.
 * Returns 0, or a negative errno (-ECONNRESET-like) / -1 when the peer closed.
 */
s32 net_roundtrip(s32 fd, const unsigned char *out, unsigned char *in, u32 size);

#endif
