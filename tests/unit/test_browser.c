/* browser: which command runs, with which arguments, detached. */
#include "browser.h"
#include "buf.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/tfa-browser-XXXXXX";
static char out[300], script[300];

/* Wait up to 5 s for the fake browser's record; its content or "". */
static const char *
record(void)
{
	static char buf[512];
	int i;
	FILE *f;

	for (i = 0; i < 500; i++) {
		if ((f = fopen(out, "r"))) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			if (n && buf[n - 1] == '\n')
				return buf;
		}
		usleep(10000);
	}
	return "";
}

static int
open_with(const char *const *env, const char *url)
{
	struct tfa_ctx ctx;
	struct tfa_err err;
	int rc;

	unlink(out);
	tfa_err_clear(&err);
	tfa_ctx_init(&ctx, (char *const *)env);
	rc = tfa_browser_open(&ctx, url, &err);
	tfa_ctx_dispose(&ctx);
	return rc;
}

int
main(void)
{
	char browser[400], browser_s[400], path[400];
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	snprintf(out, sizeof(out), "%s/args", dir);
	snprintf(script, sizeof(script), "%s/fakebrowser", dir);
	f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\nprintf '%%s|' \"$@\" > '%s.tmp'; echo >> '%s.tmp'; mv '%s.tmp' '%s'\n",
		out, out, out, out);
	fclose(f);
	chmod(script, 0755);
	snprintf(browser, sizeof(browser), "BROWSER=%s --new-window:other", script);
	snprintf(browser_s, sizeof(browser_s), "BROWSER=%s %%s --flag", script);
	snprintf(path, sizeof(path), "PATH=%s:/usr/bin:/bin", dir);

	{
		const char *env[] = { browser, path, NULL };
		is_int(open_with(env, "https://device.sso/?code=AB-CD"), 0, "BROWSER starts");
		is_str(record(), "--new-window|https://device.sso/?code=AB-CD|\n",
		       "the first of BROWSER's list, its flags, then the URL as one argument");
	}
	{
		const char *env[] = { browser_s, path, NULL };
		open_with(env, "https://x/$(touch pwned);y");
		is_str(record(), "https://x/$(touch pwned);y|--flag|\n", "%%s takes the URL's place; no shell");
		ok(access("pwned", F_OK) != 0, "nothing in the URL ran");
	}
	{
		const char *env[] = { "PATH=/nonexistent", NULL };
		is_int(open_with(env, "https://x"), TFA_ENOTFOUND, "no BROWSER, no display: none to open");
	}
	{
		const char *env[] = { "BROWSER=/nonexistent/browser", path, NULL };
		is_int(open_with(env, "https://x"), TFA_ENOTFOUND, "a BROWSER that does not exist");
	}
	unlink(out);
	unlink(script);
	rmdir(dir);
	return tap_done();
}
