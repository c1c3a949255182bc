/*
 * ksm_lib.c - ksmd's sysfs knobs and a process's ksm_stat, for the KSM oracle programs (ksm.c,
 * ksm_merge.c). Included after oracle_lib.c.
 */
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#define MADV_UNMERGEABLE 13
#endif

static long ksys(const char *n)
{
	char p[128];
	snprintf(p, sizeof p, "/sys/kernel/mm/ksm/%s", n);
	return read_long(p);
}

static void kset(const char *n, long v)
{
	char p[128], b[32];
	snprintf(p, sizeof p, "/sys/kernel/mm/ksm/%s", n);
	snprintf(b, sizeof b, "%ld\n", v);
	int fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, b, strlen(b)) < 0)
		die("write %s", p);
	close(fd);
}

static long ksm_stat(pid_t pid, const char *name)
{
	char path[64], pat[64];
	snprintf(path, sizeof path, "/proc/%d/ksm_stat", (int)pid);
	if (read_file(path) < 0)
		die("read ksm_stat");
	snprintf(pat, sizeof pat, "%s ", name);
	char *p = strstr(filebuf, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}
