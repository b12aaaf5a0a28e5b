/*
 * mktree: generates the deterministic directory tree the find benchmark walks.
 *
 * Usage: mktree ROOT DIRS FILES
 *
 * ROOT must not exist; it is created. Directory i (1..DIRS) is named "d<i>"
 * and lives in directory (i-1)/8 (0 is ROOT), so the tree is about log8(DIRS)
 * levels deep. File j (0..FILES-1) goes into directory (j*7919) mod (DIRS+1),
 * except that every 53rd directory is kept empty (its files go to ROOT).
 * Names cover what a directory walker must get right: every 100th file is
 * hidden, every 1000th has a 255-byte name (NAME_MAX), every 500th contains a
 * space and a UTF-8 character. Files are empty. The same arguments always
 * produce the same tree. Prints:
 *   mktree dirs=D files=F entries=E
 * where E (ROOT included) is how many lines `find ROOT` prints.
 */
#include "rt.h"

#define MAX_DIRS 200000
#define FANOUT 8
#define POOL_BYTES (16u << 20)

static char pool[POOL_BYTES];
static u32 dir_at[MAX_DIRS + 1];
static u32 pool_used;

/* Appends s to the pool; returns where it starts. */
static u32 pool_add(const char *s, u32 len)
{
	u32 at = pool_used;

	if (len + 1 > POOL_BYTES - pool_used)
		die("mktree", "path pool exhausted: too many directories", 0);
	memcpy(pool + at, s, len);
	pool[at + len] = 0;
	pool_used += len + 1;
	return at;
}

/* Writes "<parent>/<name>" into out (4096 bytes); returns its length. */
static u32 join(char *out, const char *parent, const struct line *name)
{
	u32 plen = rt_strlen(parent), len = plen + 1 + name->len;

	if (len >= 4096)
		die("mktree", "path too long", 0);
	memcpy(out, parent, plen);
	out[plen] = '/';
	memcpy(out + plen + 1, name->buf, name->len);
	out[len] = 0;
	return len;
}

static int kept_empty(u32 dir)
{
	return dir % 53 == 52;
}

int main(int argc, char **argv)
{
	static char path[4096];
	struct line l = { .len = 0 };
	u32 dirs, files, i, len;
	s32 r;

	if (argc != 4 || rt_parse_u32(argv[2], &dirs) != 0 || rt_parse_u32(argv[3], &files) != 0)
		die("mktree", "usage: mktree ROOT DIRS FILES", 0);
	if (dirs > MAX_DIRS)
		die("mktree", "at most 200000 directories", 0);

	r = sys2(NR_mkdir, (u32)argv[1], 0755);
	if (r < 0)
		die("mktree", "cannot create ROOT (it must not exist)", r);
	dir_at[0] = pool_add(argv[1], rt_strlen(argv[1]));

	for (i = 1; i <= dirs; i++) {
		struct line name = { .len = 0 };

		line_str(&name, "d");
		line_u64(&name, i);
		len = join(path, pool + dir_at[(i - 1) / FANOUT], &name);
		r = sys2(NR_mkdir, (u32)path, 0755);
		if (r < 0)
			die("mktree", "mkdir failed", r);
		dir_at[i] = pool_add(path, len);
	}

	for (i = 0; i < files; i++) {
		struct line name = { .len = 0 };
		u32 dir = (u32)(((u64)i * 7919) % (dirs + 1));
		s32 fd;

		if (kept_empty(dir))
			dir = 0;
		line_str(&name, i % 100 == 3 ? ".f" : "f");
		line_u64(&name, i);
		if (i % 500 == 7)
			line_str(&name, " caf\xc3\xa9");
		if (i % 1000 == 1) {
			/* Pad to 255 bytes: the longest name a directory entry can hold. */
			while (name.len < 255)
				name.buf[name.len++] = 'n';
		}
		join(path, pool + dir_at[dir], &name);
		fd = sys3(NR_open, (u32)path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("mktree", "creating a file failed", fd);
		sys1(NR_close, (u32)fd);
	}

	line_str(&l, "mktree");
	line_kv(&l, "dirs", dirs);
	line_kv(&l, "files", files);
	line_kv(&l, "entries", (u64)dirs + files + 1);
	line_flush(&l, 1);
	return 0;
}
