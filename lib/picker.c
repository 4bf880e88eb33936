/* picker — see picker.h. */
#include "picker.h"

#include "buf.h"
#include "tty_priv.h"

#include <stdlib.h>
#include <string.h>

/* The call in progress: readline's hooks take no argument for it. */
static struct {
	const struct tfa_picker_item *items;
	size_t n;
	size_t next;  /* the completion generator's position */
} cur;

/* The first item whose name is >= s (items are sorted). */
static size_t
lower_bound(const char *s)
{
	size_t lo = 0, hi = cur.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(cur.items[mid].name, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static char *
name_generator(const char *text, int state)
{
	size_t len = strlen(text);
	const char *name;

	if (state == 0)
		cur.next = lower_bound(text);
	if (cur.next >= cur.n)
		return NULL;
	name = cur.items[cur.next].name;
	if (strncmp(name, text, len) != 0)
		return NULL;
	cur.next++;
	return tfa_xstrdup(name);
}

static const struct tfa_picker_item *
find_item(const char *name)
{
	size_t i = lower_bound(name);

	return i < cur.n && strcmp(cur.items[i].name, name) == 0 ?
		&cur.items[i] : NULL;
}

/* "* name   hint" lines for items[0..n) (or the matches), aligned. */
static void
add_row(struct tfa_buf *b, const struct tfa_picker_item *it, const char *name,
	size_t width)
{
	size_t len;

	tfa_buf_adds(b, it && it->current ? "* " : "  ");
	len = b->len;
	tfa__tty_add_clean(b, name);
	len = b->len - len;
	if (it && it->hint && *it->hint) {
		while (len++ < width + 2)
			tfa_buf_addch(b, ' ');
		tfa__tty_add_clean(b, it->hint);
	}
	tfa_buf_addch(b, '\n');
}

/* Tab twice: the matches with their hints, at most a screenful. */
static void
show_matches(struct tfa_tty *t, char **matches, int num, int max_length)
{
	struct tfa_buf b = TFA_BUF_INIT;
	int rows, cols, room, i;

	tfa__tty_size(t, &rows, &cols);
	room = rows > 4 ? rows - 3 : 1;
	tfa_buf_addch(&b, '\n');
	for (i = 1; i <= num && i <= room; i++)
		add_row(&b, find_item(matches[i]), matches[i], (size_t)max_length);
	if (num > room)
		tfa_buf_addf(&b, "... and %d more: type more of the name\n",
			     num - room);
	tfa__tty_put(t, &b);
	tfa_buf_dispose(&b);
}

static void
intro(struct tfa_tty *t, const struct tfa_picker_item *items, size_t n,
      unsigned flags)
{
	struct tfa_buf b = TFA_BUF_INIT;
	size_t i, w = 0;
	int rows, cols;

	tfa__tty_size(t, &rows, &cols);
	if ((flags & TFA_PICKER_LIST) && n <= TFA_PICKER_LIST_MAX &&
	    (int)n + 3 <= rows) {
		for (i = 0; i < n; i++)
			if (strlen(items[i].name) > w)
				w = strlen(items[i].name);
		for (i = 0; i < n; i++)
			add_row(&b, &items[i], items[i].name, w);
	} else {
		tfa_buf_addf(&b, "%zu %s: type the start of a name and press Tab "
			     "(Tab twice lists the matches)\n", n,
			     n == 1 ? "name" : "names");
	}
	tfa__tty_put(t, &b);
	tfa_buf_dispose(&b);
}

int
tfa_picker_choose(char **out, struct tfa_tty *t, const char *prompt,
		  const struct tfa_picker_item *items, size_t n,
		  unsigned flags, struct tfa_err *err)
{
	struct tfa__tty_complete complete = { name_generator, NULL };
	size_t i;
	int rc;

	if (!(flags & TFA_PICKER_AGAIN))
		intro(t, items, n, flags);
	for (i = 0; i < n && !complete.display; i++)
		if (items[i].hint)
			complete.display = show_matches;
	cur.items = items;
	cur.n = n;
	cur.next = 0;
	rc = tfa__tty_ask(out, t, prompt, &complete, err);
	memset(&cur, 0, sizeof(cur));
	return rc;
}
