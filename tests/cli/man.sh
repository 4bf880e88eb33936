#!/bin/sh
# The manual pages (man/): one in section 1 for every tool of cmd/ but the
# hidden helper tfauth-keycheck, and tfauth.7; each long option of a tool's
# --help in its page (and, for the dispatcher, every command); every
# environment variable the code reads (AWS_*, TFAUTH_* in lib/, cmd/,
# shell/) in tfauth.7; each page renders with groff -ww without a warning
# (and passes mandoc -Tlint when mandoc is installed).
. "$TFAUTH_TOP/tests/lib.sh"
t_clean_env
top=$TFAUTH_TOP
man=$top/man

# page NAME SECTION: the page as plain text (hyphens as '-').
page() {
	groff -man -Tascii -P-cbou "$man/$1.$2" 2>/dev/null
}

have_groff=1
command -v groff >/dev/null 2>&1 || have_groff=0

for src in "$top"/cmd/*.c; do
	name=$(basename "$src" .c)
	case $name in cli | tfauth-keycheck) continue ;; esac
	check "$name has a man page (man/$name.1)" test -f "$man/$name.1"
	[ -f "$man/$name.1" ] || continue
	[ -x "$TFAUTH_BIN/$name" ] || continue
	help=$("$TFAUTH_BIN/$name" --help 2>&1)
	opts=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	if [ $have_groff = 1 ]; then
		text=$(page "$name" 1)
	else
		text=$(sed 's/\\-/-/g' "$man/$name.1")
	fi
	missing=""
	for o in $opts; do
		printf '%s\n' "$text" | grep -qe "$o\\b" || missing="$missing $o"
	done
	out="" err="long options of $name --help missing from its page:$missing"
	check "$name.1 names every long option of '$name --help' ($(echo $opts | wc -w))" \
		test -z "$missing"
done

# The dispatcher's commands.
text=$(page tfauth 1)
missing=""
for c in $("$TFAUTH_BIN/tfauth" --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
	printf '%s\n' "$text" | grep -qE "^ +$c( |$)" || missing="$missing $c"
done
out="" err="commands missing from tfauth.1:$missing"
check "tfauth.1 lists every command of 'tfauth --help'" test -z "$missing"

check "tfauth.7 exists" test -f "$man/tfauth.7"
vars=$(cat "$top"/lib/*.c "$top"/lib/*.h "$top"/cmd/*.c "$top"/shell/* 2>/dev/null |
	grep -oE '\b(AWS|TFAUTH)_[A-Z0-9_]*[A-Z0-9]\b' | sort -u)
missing=""
for v in $vars; do
	grep -q -- "$v" "$man/tfauth.7" || missing="$missing $v"
done
out="" err="variables read by the code and missing from tfauth.7:$missing"
check "tfauth.7 describes every AWS_*/TFAUTH_* variable of lib/, cmd/, shell/ ($(echo $vars | wc -w))" \
	test -z "$missing"

for f in "$man"/*.1 "$man"/*.7; do
	b=$(basename "$f")
	if [ $have_groff = 1 ]; then
		err=$(groff -man -Tutf8 -ww -z "$f" 2>&1) out=""
		check "$b renders with groff -man -ww and no warning" test -z "$err"
	else
		echo "ok $((t_n += 1)) - $b renders # SKIP no groff"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		# STYLE-level notes (mandoc's "style:" lines) are not failures.
		err=$(mandoc -Tlint -W warning "$f" 2>&1) out=""
		check "$b: mandoc -Tlint -W warning is silent" test -z "$err"
	fi
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null) err=""
		check "$b: man -l formats it without a message" test -z "$out"
	fi
done
t_done
