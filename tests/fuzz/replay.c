/*
 * replay — a plain main for the fuzz targets, so that their corpora replay
 * under any compiler (gcc, the sanitizer build) without libFuzzer.
 *
 *   fuzz_NAME DIR|FILE...
 *
 * Runs LLVMFuzzerTestOneInput over every regular file of each DIR (in name
 * order) and each FILE, and prints one TAP line per argument:
 *
 *   ok 1 - fuzz_config: 123 inputs from tests/fuzz/corpus/config
 *
 * An argument with no input, or one that cannot be read, is "not ok".  A
 * finding aborts (sanitizer report or a failed invariant) and the exit
 * status says so; the name of the input is on stderr just before, as
 * "# replay: FILE".  Exit 0 when every line was ok.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
read_all(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, alloc = 0, r;

	if (!f)
		return -1;
	for (;;) {
		if (alloc - len < 4096) {
			alloc = alloc ? alloc * 2 : 8192;
			if (!(nb = realloc(buf, alloc))) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		r = fread(buf + len, 1, alloc - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = buf;
	*n = len;
	return 0;
}

/* 0 and one more input run, or -1 when path cannot be read. */
static int
run_file(const char *path)
{
	uint8_t *data;
	size_t n;

	if (read_all(path, &data, &n) < 0)
		return -1;
	fprintf(stderr, "# replay: %s\n", path);
	/* libFuzzer never passes NULL data; a copy of the exact size lets
	 * ASan see a read one past the end. */
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inputs run from path (a folder or a file); -1 when it cannot be read. */
static long
run_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	char **names = NULL, full[4096];
	size_t n = 0, alloc = 0, i;
	long count = 0;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return run_file(path) < 0 ? -1 : 1;
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			names = realloc(names, alloc * sizeof(*names));
			if (!names)
				abort();
		}
		if (!(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && run_file(full) == 0)
			count++;
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int i, failed = 0;
	long n;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", self);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		n = run_path(argv[i]);
		if (n > 0) {
			printf("ok %d - %s: %ld inputs from %s\n", i, self, n, argv[i]);
		} else {
			failed++;
			printf("not ok %d - %s: %s %s\n", i, self,
			       n < 0 ? "cannot read" : "no input in", argv[i]);
		}
		fflush(stdout);
	}
	printf("1..%d\n", argc - 1);
	return failed ? 1 : 0;
}
