/*
 * tfauth-refresh — make a profile's credentials fresh: assume its roles
 * (with one MFA prompt per device), renew MFA sessions, re-run its
 * credential_process, log in with web identity; the results go to the
 * caches the AWS CLI shares.
 */
#include "cli.h"

#include "browser.h"
#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "export.h"
#include "shell.h"
#include "timeutil.h"
#include "tty.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-refresh [PROFILE] [--force] [--non-interactive] [--check]\n"
	"                      [--mfa-code CODE] [--no-browser]\n"
	"                      [--format FORMAT [--shell SHELL]]\n";

static const char help[] =
	"Make PROFILE's credentials (default: the current profile) fresh, and\n"
	"cache them where the AWS CLI keeps its own (~/.aws/cli/cache):\n"
	"  assume-role          assume the role (and the roles it chains through)\n"
	"  mfa_serial           ask for the code once; the MFA session is reused by\n"
	"                       every role that names the device\n"
	"  credential_process   run it again\n"
	"  web identity         log in again with the token file\n"
	"  SSO                  use the cached token, its refresh token, or a new\n"
	"                       device login in the browser (shared with the AWS CLI)\n"
	"Static keys cannot be refreshed: tfauth-doctor says whether they work.\n"
	"\n"
	"options:\n"
	"  -f, --force            refresh even when the cached credentials are fresh\n"
	"  -n, --non-interactive  never prompt: exit 3 when a code is needed\n"
	"  -c, --check            no network: exit 0 when cached credentials last\n"
	"                         beyond the refresh window, 3 when a refresh is due\n"
	"  -m, --mfa-code CODE    the MFA code (also TFAUTH_MFA_CODE)\n"
	"  -b, --no-browser       for an SSO login, show the address; do not open it\n"
	"  -F, --format FORMAT    then print the credentials: process, json, dotenv\n"
	"                         or shell (as tfauth-env --credentials)\n"
	"  -s, --shell SHELL      the dialect for --format shell (default: $SHELL)\n"
	"  -q, --quiet            say nothing on success\n"
	"  -h, --help, -V, --version\n"
	"\n"
	"TFAUTH_REFRESH_WINDOW (seconds, default 900): cached credentials are used\n"
	"only while more than this remains.\n"
	"Exit status: 0 fresh, 1 failure, 2 usage, 3 a login or code is needed\n"
	"but not allowed (or, with --check, a refresh is due).\n";

struct ask {
	struct tfa_tty *tty;
	const struct tfa_ctx *ctx;
	FILE *out;         /* the SSO login talks here: /dev/tty, else stderr */
	int no_browser;
	int ticking;
};

/*
 * An SSO device login needs no typing, so it runs with or without a
 * terminal: on /dev/tty when there is one, else on stderr (for example
 * under Terraform's credential_process).
 */
static FILE *
login_stream(struct ask *a)
{
	int fd;

	if (a->out)
		return a->out;
	fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	a->out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!a->out) {
		if (fd >= 0)
			close(fd);
		a->out = stderr;
	}
	return a->out;
}

static void
sso_show(void *data, const char *uri, const char *uri_complete, const char *code,
	 long expires_in)
{
	struct ask *a = data;
	FILE *f = login_stream(a);
	struct tfa_err err;
	int opened = 0;

	tfa_err_clear(&err);
	/* A display is needed for a browser; over ssh the address is enough. */
	if (!a->no_browser && uri_complete)
		opened = tfa_browser_open(a->ctx, uri_complete, &err) == 0;
	fprintf(f, "%s: sign in to AWS IAM Identity Center%s:\n\n    %s\n\n"
		"and confirm the code:\n\n    %s\n\n", cli_prog,
		opened ? " in the browser window just opened, or at" : " at",
		uri_complete ? uri_complete : uri, code);
	fprintf(f, "(the code is valid for %ld min)\n", (expires_in + 59) / 60);
	fflush(f);
}

static void
sso_tick(void *data, long left)
{
	struct ask *a = data;
	FILE *f = login_stream(a);

	if (!isatty(fileno(f)))
		return;   /* a countdown only where it redraws */
	fprintf(f, "\rwaiting for the sign-in: %ld:%02ld left ", left / 60, left % 60);
	fflush(f);
	a->ticking = 1;
}

static int
ask_mfa(char out[7], const char *serial, int attempt, void *data, struct tfa_err *err)
{
	struct ask *a = data;
	int rc;

	if (!a->tty && (rc = tfa_tty_open(&a->tty, err)) < 0) {
		tfa_err_set(err, TFA_ELOGIN, "an MFA code for %s is needed and there is no "
			    "terminal to ask on", serial);
		tfa_err_hint(err, "pass --mfa-code CODE or set TFAUTH_MFA_CODE");
		return TFA_ELOGIN;
	}
	if (attempt > 1)
		tfa_tty_say(a->tty, "That code was not accepted; try the next one.");
	return tfa_tty_mfa_code(out, a->tty, serial, 3, err);
}

static void
say_result(const struct tfa_resolved *r, const struct tfa_ctx *ctx, int checked)
{
	char when[TFA_TIME_LEN];
	long mins;

	fprintf(stderr, "%s: ", cli_prog);
	if (r->profile)
		fprintf(stderr, "'%s'", r->profile);
	else
		fprintf(stderr, "the environment's credentials");
	if (r->creds.expiration) {
		tfa_time_format(when, r->creds.expiration);
		mins = (long)((r->creds.expiration - tfa_ctx_now(ctx)) / 60);
		fprintf(stderr, " %s: valid until %s (%ld min)", checked || r->from_cache ?
			"is fresh" : "refreshed", when, mins);
	} else {
		fprintf(stderr, " %s: no expiry", checked ? "is usable" : "resolved");
	}
	fprintf(stderr, " (%s%s%s)\n", tfa_cred_source_name(r->source), r->arn ? ", " : "",
		r->arn ? r->arn : "");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "non-interactive", no_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'c' },
		{ "mfa-code", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'F' },
		{ "shell", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-browser", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct tfa_chain_opts o;
	struct tfa_ctx ctx;
	struct tfa_err err;
	struct tfa_config *cfg = NULL;
	struct tfa_resolved res;
	struct tfa_buf out, notes = TFA_BUF_INIT;
	struct ask a;
	struct tfa_sso_ui ui;
	enum tfa_export_format fmt = TFA_EXPORT_PROCESS;
	enum tfa_shell sh;
	const char *profile = NULL, *format = NULL, *shell = NULL;
	int c, check = 0, quiet = 0, status = CLI_EXIT_FAIL, rc;

	cli_init(argv[0]);
	tfa_err_clear(&err);
	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	while ((c = getopt_long(argc, argv, ":fncm:F:s:qbhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.flags |= TFA_CHAIN_FORCE;
			break;
		case 'n':
			o.flags |= TFA_CHAIN_NONINTERACTIVE;
			break;
		case 'c':
			check = 1;
			break;
		case 'm':
			o.mfa_code = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 's':
			shell = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'b':
			a.no_browser = 1;
			break;
		case 'h':
			printf("%s\n%s", usage, help);
			return CLI_EXIT_OK;
		case 'V':
			return cli_version();
		default:
			return cli_bad_option(usage, argv, c);
		}
	}
	if (optind < argc)
		profile = argv[optind++];
	if (optind < argc)
		return cli_usage_error(usage, "too many arguments");
	if (profile && !*profile)
		return cli_usage_error(usage, "the profile name is empty");
	if (check && (o.flags & TFA_CHAIN_FORCE))
		return cli_usage_error(usage, "--check and --force exclude each other");
	if (o.mfa_code && tfa_tty_check_code(o.mfa_code, &err) < 0)
		return cli_usage_error(usage, "%s", err.msg);
	if (format && tfa_export_parse(&fmt, format, &err) < 0)
		return cli_usage_error(usage, "%s", err.msg);
	if (shell && !format)
		return cli_usage_error(usage, "--shell goes with --format shell");

	tfa_ctx_init(&ctx, environ);
	tfa_buf_init_secret(&out, 0);
	tfa_resolved_init(&res);
	if (shell) {
		if (tfa_shell_parse(&sh, shell, &err) < 0) {
			status = cli_error(&err);
			goto done;
		}
	} else {
		sh = tfa_shell_from_env(&ctx);
	}
	if (tfa_config_load(&cfg, &ctx, &err) < 0) {
		status = cli_error(&err);
		goto done;
	}
	if (check) {
		o.flags |= TFA_CHAIN_CACHE_ONLY;
	} else {
		o.net = &tfa_chain_net_aws;
		o.ask_mfa = ask_mfa;
		o.ask_data = &a;
		a.ctx = &ctx;
		memset(&ui, 0, sizeof(ui));
		ui.show = sso_show;
		ui.tick = sso_tick;
		ui.data = &a;
		if (!(o.flags & TFA_CHAIN_NONINTERACTIVE))
			o.sso_ui = &ui;
	}
	rc = tfa_chain_resolve(&res, &ctx, cfg, profile, &o, &err);
	if (a.ticking)
		fputc('\n', login_stream(&a));
	if (rc == TFA_EOFFLINE && check) {
		if (!quiet)
			fprintf(stderr, "%s: a refresh is due: %s\n", cli_prog, err.msg);
		status = CLI_EXIT_LOGIN;
		goto done;
	}
	if (rc < 0) {
		status = cli_error(&err);
		/* Ctrl-C at the MFA prompt ends like an interrupted command. */
		if (a.tty && tfa_tty_signal(a.tty))
			status = 128 + tfa_tty_signal(a.tty);
		goto done;
	}
	if (!check && !format && !res.refreshable) {
		const char *n = res.profile ? res.profile : "PROFILE";
		fprintf(stderr, "%s: %s static keys, which cannot be refreshed\n", cli_prog,
			res.profile ? "this profile uses" : "the environment holds");
		fprintf(stderr, "hint: 'tfauth-doctor %s' says whether they work; "
			"'tfauth-profile set-keys %s' replaces them\n", res.profile ? n : "", n);
		status = CLI_EXIT_FAIL;
		goto done;
	}
	if (!quiet)
		say_result(&res, &ctx, check);
	status = CLI_EXIT_OK;
	if (format) {
		if (tfa_export(&out, &notes, fmt, sh, &res, &ctx, cfg, &err) < 0) {
			status = cli_error(&err);
			goto done;
		}
		fputs(notes.ptr, stderr);
		status = cli_write_stdout(out.ptr, out.len);
	}
done:
	if (a.tty)
		tfa_tty_close(a.tty);
	if (a.out && a.out != stderr)
		fclose(a.out);
	tfa_resolved_dispose(&res);
	tfa_buf_dispose(&out);
	tfa_buf_dispose(&notes);
	tfa_config_free(cfg);
	tfa_ctx_dispose(&ctx);
	return status;
}
