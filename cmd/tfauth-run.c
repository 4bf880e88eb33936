/*
 * tfauth-run — run terraform (tofu, terragrunt, any command) with the
 * selected profile's credentials, made fresh first; when it fails with an
 * error a new login fixes, log in again and run it once more if that is
 * safe.
 *
 *   tfauth-run [--profile P] [--no-retry] [--retry] [--quiet]
 *              [--serve-credentials] -- CMD ARGS...
 */
#include "cli.h"

#include "buf.h"
#include "chain.h"
#include "config.h"
#include "ctx.h"
#include "run.h"
#include "serve.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
	"usage: tfauth-run [--profile P] [--no-retry] [--retry] [--quiet]\n"
	"                  [--serve-credentials] -- CMD [ARGS...]\n";

static const char help[] =
	"Run CMD (terraform, tofu, terragrunt...) with the profile's credentials:\n"
	"\n"
	"  - The profile (--profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE)\n"
	"    wins over keys in the environment: AWS_ACCESS_KEY_ID,\n"
	"    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,\n"
	"    AWS_CREDENTIAL_EXPIRATION and AWS_DEFAULT_PROFILE are removed from\n"
	"    CMD's environment (said on stderr), AWS_PROFILE is set, and the\n"
	"    profile's region when no region is set.  With no profile chosen,\n"
	"    keys in the environment are yours and stay.\n"
	"  - Before CMD runs, the profile's credentials are made fresh (from the\n"
	"    caches, else with tfauth-refresh, which may ask for an MFA code or\n"
	"    an SSO sign-in).  Credentials Terraform cannot get by itself (roles,\n"
	"    MFA, SSO, credential_process) are passed to CMD in AWS_ACCESS_KEY_ID,\n"
	"    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION;\n"
	"    for static keys AWS_PROFILE is enough.\n"
	"  - stdin and stdout are CMD's own; its stderr is copied through as it\n"
	"    comes and scanned when CMD fails.\n"
	"  - On InvalidClientTokenId, ExpiredToken, an expired SSO session or \"no\n"
	"    valid credential sources\", the profile is refreshed (tfauth-refresh\n"
	"    --force) and CMD is run once more when that is safe: terraform, tofu\n"
	"    and terragrunt commands that change nothing (init, plan, validate,\n"
	"    refresh, output, show, state list/show, providers, import, graph,\n"
	"    console, fmt, version, workspace list/show, get), and apply or destroy\n"
	"    when the provider failed to configure before any change.  Otherwise\n"
	"    it says the credentials were refreshed and CMD should be rerun.\n"
	"    SignatureDoesNotMatch, AccessDenied, clock skew and static keys are\n"
	"    not fixed by a login: one line points at tfauth-doctor instead.\n"
	"  - Ctrl-C reaches CMD; after it nothing is retried.  SIGTERM and SIGHUP\n"
	"    are passed on to CMD.\n"
	"  - With --serve-credentials (or TFAUTH_SERVE=1), CMD gets no keys in its\n"
	"    environment: tfauth-run serves it the profile's credentials on a\n"
	"    loopback container-credentials endpoint for as long as it runs\n"
	"    (AWS_CONTAINER_CREDENTIALS_FULL_URI, with a random token in the\n"
	"    0600 file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE), and refreshes them\n"
	"    with tfauth-refresh when they are due, asking on the terminal when a\n"
	"    code or a sign-in is needed: the AWS SDK in CMD fetches them again\n"
	"    before they expire, so a long apply does not fail halfway.\n"
	"    AWS_PROFILE and AWS_DEFAULT_PROFILE are removed too, and CMD reads a\n"
	"    config file of its own whose only profile, default, has the profile's\n"
	"    settings without credentials (a provider block that names a profile\n"
	"    does not find it).\n"
	"\n"
	"options:\n"
	"  -p, --profile P   the profile (default: AWS_PROFILE, AWS_DEFAULT_PROFILE)\n"
	"  -n, --no-retry    never refresh and rerun after a failure; say what to do\n"
	"  -r, --retry       also rerun commands tfauth-run does not know (it cannot\n"
	"                    tell whether they change anything)\n"
	"  -q, --quiet       say nothing but errors and advice\n"
	"  -s, --serve-credentials\n"
	"                    serve CMD its credentials on a loopback endpoint that\n"
	"                    refreshes them; export TFAUTH_SERVE=1 does the same\n"
	"  -S, --no-serve-credentials\n"
	"                    export them as before, whatever TFAUTH_SERVE says\n"
	"  -h, --help, -V, --version\n"
	"\n"
	"Exit status: CMD's (the rerun's when it was rerun); 130 when interrupted;\n"
	"127 when CMD is not found, 126 when it cannot be run; 2 usage; 1 when\n"
	"the profile is broken or cannot be refreshed, 3 when a login is needed\n"
	"but there is no terminal to ask on (CMD is not run then).\n";

struct opts {
	const char *profile;
	int no_retry, retry_unknown, quiet;
	int serve;          /* -1: as TFAUTH_SERVE says, 0 no, 1 yes */
};

static void
to_stderr(const char *p, size_t n, void *unused)
{
	ssize_t k;

	(void)unused;
	while (n > 0) {
		k = write(STDERR_FILENO, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;   /* stderr is gone: keep draining the child */
		p += k;
		n -= (size_t)k;
	}
}

/* Notes from lib/run, one per line, each said as "tfauth-run: LINE". */
static void
say_notes(const struct tfa_buf *notes)
{
	const char *p = notes->ptr, *nl;

	for (; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		fprintf(stderr, "%s: %.*s\n", cli_prog, (int)(nl - p), p);
	}
}

/* Run tfauth-refresh for the profile, on our terminal; its exit status. */
static int
refresh(const struct tfa_ctx *ctx, const char *profile, int force, int quiet)
{
	char path[PATH_MAX];
	char *args[6], **envp;
	struct tfa_run_result r;
	struct tfa_err err;
	int n = 0;

	cli_sibling_path(path, sizeof(path), "tfauth-refresh");
	args[n++] = path;
	if (force)
		args[n++] = "--force";
	if (quiet)
		args[n++] = "--quiet";
	args[n++] = "--";
	args[n++] = (char *)profile;
	args[n] = NULL;
	tfa_err_clear(&err);
	envp = tfa_run_envp(ctx);
	fflush(NULL);
	if (tfa_run_spawn(&r, args, envp, NULL, NULL, NULL, &err) < 0)
		cli_error(&err);
	free(envp);
	return r.status;
}

/*
 * Make the profile's credentials fresh before the run, from the caches
 * (no network, no libcurl: like tfauth-env), else through tfauth-refresh.
 * 0 with res filled, or the exit status to stop with.
 */
static int
preflight(struct tfa_resolved *res, struct tfa_ctx *ctx, const struct tfa_config *cfg,
	  const struct tfa_run_profile *p, const struct opts *o)
{
	struct tfa_chain_opts co;
	struct tfa_err err;
	int rc, st;

	memset(&co, 0, sizeof(co));
	rc = tfa_chain_resolve(res, ctx, cfg, p->name, &co, &err);
	if (rc == TFA_EOFFLINE) {
		st = refresh(ctx, p->name, 0, o->quiet);
		if (st > 128)
			return st;   /* Ctrl-C at a prompt */
		if (st != 0) {
			fprintf(stderr, "%s: profile '%s' could not be refreshed; the command "
				"was not run\n", cli_prog, p->name);
			return st == CLI_EXIT_LOGIN ? CLI_EXIT_LOGIN : CLI_EXIT_FAIL;
		}
		rc = tfa_chain_resolve(res, ctx, cfg, p->name, &co, &err);
	}
	if (rc < 0) {
		st = cli_error(&err);
		fprintf(stderr, "%s: the command was not run\n", cli_prog);
		return st;
	}
	return 0;
}

/* Say what the profile's environment clears, before anything else runs. */
static void
say_env_notes(const struct tfa_ctx *ctx, const struct tfa_run_profile *p)
{
	struct tfa_ctx child;
	struct tfa_buf notes = TFA_BUF_INIT;

	tfa_run_child_env(&child, &notes, ctx, p, NULL);
	say_notes(&notes);
	tfa_ctx_dispose(&child);
	tfa_buf_dispose(&notes);
}

static void
serve_log(const char *line, void *unused)
{
	(void)unused;
	fprintf(stderr, "%s: %s\n", cli_prog, line);
}

/*
 * Run the command once with the profile's environment; with serve, with
 * the credentials endpoint too (lib/serve), which lives exactly as long
 * as the command: started before it, stopped (token file removed) once it
 * has ended, however it ended.
 */
static int
run_cmd(struct tfa_run_result *r, struct tfa_run_tail *tail, char **cmdv,
	const struct tfa_ctx *ctx, const struct tfa_config *cfg,
	const struct tfa_run_profile *p, const struct tfa_resolved *res, int serve,
	int quiet)
{
	struct tfa_serve *srv = NULL;
	struct tfa_ctx child;
	struct tfa_err err;
	char **envp;
	int rc;

	tfa_err_clear(&err);
	if (serve) {
		struct tfa_serve_opts so;
		char path[PATH_MAX];

		cli_sibling_path(path, sizeof(path), "tfauth-refresh");
		memset(&so, 0, sizeof(so));
		so.ctx = ctx;
		so.cfg = cfg;
		so.profile = p->name;
		so.region = p->region;
		so.refresh_path = path;
		so.quiet = quiet;
		so.log = serve_log;
		if (tfa_serve_start(&srv, &so, &err) < 0) {
			memset(r, 0, sizeof(*r));
			r->status = cli_error(&err);
			fprintf(stderr, "%s: the command was not run\n", cli_prog);
			return -1;
		}
		res = NULL;   /* no keys in its environment: it asks the endpoint */
	}
	tfa_run_child_env(&child, NULL, ctx, p, res);
	if (srv)
		tfa_serve_child_env(&child, srv);
	envp = tfa_run_envp(&child);
	fflush(NULL);
	if ((rc = tfa_run_spawn(r, cmdv, envp, tail, to_stderr, NULL, &err)) < 0)
		cli_error(&err);
	tfa_serve_stop(srv);
	free(envp);
	tfa_ctx_dispose(&child);
	return rc;
}

/* What one tfauth-run works with, from the options to the last run. */
struct job {
	struct opts o;
	struct tfa_ctx ctx;
	struct tfa_config *cfg;
	struct tfa_run_profile p;
	struct tfa_run_command cmd;
	struct tfa_run_tail tail;
	struct tfa_resolved res;
	const struct tfa_resolved *have;  /* &res once resolved */
	struct tfa_buf what;              /* "terraform plan", for messages */
	char **cmdv;
	int serving;                      /* serve the credentials to the command */
};

static void
say_cause(const struct tfa_run_failure *f)
{
	fprintf(stderr, "%s: %s%s%s", cli_prog, f->code, f->code[0] ? ": " : "", f->cause);
}

/* Resolve (again) for a run; 0, or the exit status to stop with. */
static int
prepare(struct job *j)
{
	int st;

	tfa_resolved_dispose(&j->res);
	tfa_resolved_init(&j->res);
	j->have = NULL;
	if (!j->p.name || !j->cmd.needs_credentials)
		return 0;
	if ((st = preflight(&j->res, &j->ctx, j->cfg, &j->p, &j->o)) != 0)
		return st;
	j->have = &j->res;
	return 0;
}

static unsigned
run_flags(const struct job *j, const struct tfa_run_result *r)
{
	return (j->o.no_retry ? TFA_RUN_NO_RETRY : 0) |
	       (j->o.retry_unknown ? TFA_RUN_RETRY_UNKNOWN : 0) |
	       (j->p.name && j->p.refreshable ? TFA_RUN_REFRESHABLE : 0) |
	       (tfa_run_tail_cut(&j->tail) ? TFA_RUN_TAIL_CUT : 0) |
	       (r->interrupted || r->forwarded || r->term_signal ? TFA_RUN_INTERRUPTED : 0);
}

/*
 * The command failed with first: explain, or log in again and run it
 * once more when that is safe.  Returns the exit status.
 */
static int
after_failure(struct job *j, const struct tfa_run_result *first)
{
	struct tfa_run_failure f;
	struct tfa_run_result r;
	enum tfa_run_action action;
	const char *name = j->p.name;
	int st;

	tfa_run_scan(&f, j->tail.ptr, j->tail.len);
	action = tfa_run_decide(&f, &j->cmd, run_flags(j, first));
	switch (action) {
	case TFA_RUN_DONE:
		return first->status;
	case TFA_RUN_DOCTOR:
		say_cause(&f);
		fprintf(stderr, "; run 'tfauth-doctor%s%s' to see why\n", name ? " " : "",
			name ? name : "");
		return first->status;
	case TFA_RUN_ADVISE:
		say_cause(&f);
		fprintf(stderr, "; run 'tfauth-refresh %s' and then '%s' again\n", name,
			j->what.ptr);
		return first->status;
	case TFA_RUN_RERUN:
	case TFA_RUN_REFRESH_ONLY:
		break;
	}
	if (!j->o.quiet)
		fprintf(stderr, "%s: '%s' failed with %s, which a new login fixes; logging "
			"in again for profile '%s'\n", cli_prog, j->what.ptr,
			f.code[0] ? f.code : f.id, name);
	st = refresh(&j->ctx, name, 1, j->o.quiet);
	if (st > 128)
		return st;   /* Ctrl-C at a prompt */
	if (st != 0) {
		fprintf(stderr, "%s: profile '%s' could not be refreshed; run 'tfauth-doctor %s' "
			"to see why\n", cli_prog, name, name);
		return first->status;
	}
	if (action == TFA_RUN_REFRESH_ONLY) {
		fprintf(stderr, "%s: profile '%s' has fresh credentials; '%s' was not run again "
			"because %s: rerun it\n", cli_prog, name, j->what.ptr,
			j->cmd.kind == TFA_RUN_UNKNOWN ?
			"tfauth-run cannot tell whether it changes anything (--retry "
			"reruns such commands)" :
			"it may have changed something already");
		return first->status;
	}
	if ((st = prepare(j)) != 0)
		return st;
	if (!j->o.quiet)
		fprintf(stderr, "%s: running '%s' again\n", cli_prog, j->what.ptr);
	tfa_run_tail_reset(&j->tail);
	if (run_cmd(&r, &j->tail, j->cmdv, &j->ctx, j->cfg, &j->p, j->have,
		    j->serving && j->have, j->o.quiet) < 0 || r.status == 0)
		return r.status;
	tfa_run_scan(&f, j->tail.ptr, j->tail.len);
	if (tfa_run_decide(&f, &j->cmd, run_flags(j, &r) | TFA_RUN_RETRIED) == TFA_RUN_DOCTOR) {
		say_cause(&f);
		fprintf(stderr, "; it failed again after a new login: run 'tfauth-doctor %s' "
			"to see why\n", name);
	}
	return r.status;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "no-retry", no_argument, NULL, 'n' },
		{ "retry", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "serve-credentials", no_argument, NULL, 's' },
		{ "no-serve-credentials", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct job j;
	struct tfa_err err;
	struct tfa_run_result r;
	const char *base;
	int c, status;

	cli_init(argv[0]);
	memset(&j, 0, sizeof(j));
	j.o.serve = -1;
	/* '+': options end at CMD, whose own options are its business. */
	while ((c = getopt_long(argc, argv, "+:p:nrqsShV", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			j.o.profile = optarg;
			break;
		case 'n':
			j.o.no_retry = 1;
			break;
		case 'r':
			j.o.retry_unknown = 1;
			break;
		case 'q':
			j.o.quiet = 1;
			break;
		case 's':
			j.o.serve = 1;
			break;
		case 'S':
			j.o.serve = 0;
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
	if (optind >= argc)
		return cli_usage_error(usage, "no command given");
	if (j.o.profile && !*j.o.profile)
		return cli_usage_error(usage, "the profile name is empty");
	if (!*argv[optind])
		return cli_usage_error(usage, "the command is empty");
	j.cmdv = argv + optind;

	tfa_err_clear(&err);
	tfa_ctx_init(&j.ctx, environ);
	tfa_resolved_init(&j.res);
	tfa_run_tail_init(&j.tail, TFA_RUN_TAIL_MAX);
	tfa_buf_init(&j.what, 0);
	tfa_run_classify_command(&j.cmd, j.cmdv);
	base = strrchr(j.cmdv[0], '/');
	tfa_buf_adds(&j.what, base ? base + 1 : j.cmdv[0]);
	if (j.cmd.sub)
		tfa_buf_addf(&j.what, " %s", j.cmd.sub);
	if (tfa_config_load(&j.cfg, &j.ctx, &err) < 0 ||
	    tfa_run_select(&j.p, &j.ctx, j.cfg, j.o.profile, &err) < 0) {
		status = cli_error(&err);
		if (j.cmd.needs_credentials) {
			fprintf(stderr, "%s: the command was not run\n", cli_prog);
			goto out;
		}
		/* fmt, version, help need no AWS credentials: run it as it is. */
		fprintf(stderr, "%s: running '%s' anyway: it needs no credentials\n", cli_prog,
			j.what.ptr);
		memset(&j.p, 0, sizeof(j.p));
	} else if (!j.o.quiet) {
		say_env_notes(&j.ctx, &j.p);
	}
	if (j.o.serve < 0 && tfa_serve_setting(&j.o.serve, &j.ctx, &err) < 0) {
		status = cli_error(&err);
		fprintf(stderr, "%s: the command was not run\n", cli_prog);
		goto out;
	}
	if (j.o.serve && j.cmd.needs_credentials) {
		j.serving = j.p.name != NULL;
		if (!j.serving && !j.o.quiet)
			fprintf(stderr, "%s: no profile is in play (keys in the environment, or "
				"no default profile): running '%s' without the credentials "
				"endpoint\n", cli_prog, j.what.ptr);
	}
	if ((status = prepare(&j)) != 0)
		goto out;
	if (run_cmd(&r, &j.tail, j.cmdv, &j.ctx, j.cfg, &j.p, j.have, j.serving && j.have,
		    j.o.quiet) < 0 || r.status == 0) {
		status = r.status;
		goto out;
	}
	status = after_failure(&j, &r);
out:
	tfa_buf_dispose(&j.what);
	tfa_run_tail_dispose(&j.tail);
	tfa_resolved_dispose(&j.res);
	tfa_config_free(j.cfg);
	tfa_ctx_dispose(&j.ctx);
	return status;
}
