#!/bin/sh
# A credentials file that the owner's private group can write (umask 002 on
# Debian and Fedora, USERGROUPS) is read; one that another group or every
# user can write is refused with the chmod that fixes it.  The same rule
# for set-keys and the caches (lib/fs.c: tfa__fs_others_can_write).
. "$TFAUTH_TOP/tests/lib.sh"

t_home
creds=$HOME/.aws/credentials
secret=privgrpSecret0000000000000000000000000000
t_secret "$secret"
printf '[p]\naws_access_key_id = AKIAEXAMPLEPRIVGRP01\naws_secret_access_key = %s\n' \
	"$secret" >"$creds"
user=$(id -un)
pgroup=$(id -gn)
chmod 660 "$creds"

# The primary group is private when it is named like the user and has no
# member but the user (getent prints "name:x:gid:members").
members=$(getent group "$pgroup" | cut -d: -f4)
if [ "$pgroup" = "$user" ] && { [ -z "$members" ] || [ "$members" = "$user" ]; }; then
	run tfauth-profile list
	check "0660 in the owner's private group '$pgroup': loaded" \
		test "$rc" = 0 -a "$out" = p
	run tfauth-env p --shell sh
	check "tfauth-env reads it too" test "$rc" = 0
else
	run tfauth-profile list
	check "0660 in the shared primary group '$pgroup': refused" \
		test "$rc" = 1
fi

# Another group: one the user may chgrp to that is not private (root may
# use any; others their supplementary groups).
other=
for g in users nogroup $(id -Gn); do
	[ "$g" = "$user" ] && continue
	getent group "$g" >/dev/null 2>&1 || continue
	if chgrp "$g" "$creds" 2>/dev/null; then other=$g; break; fi
done
if [ -n "$other" ]; then
	run tfauth-profile list
	check "0660 in group '$other' (not private): refused, exit 1, nothing on stdout" \
		test "$rc" = 1 -a -z "$out"
	check "the message says others can write to it, and the fix" \
		contains "$err" "other users can write to it (mode 0660)"
	check "the hint is chmod 600 PATH" contains "$err" "chmod 600 "
	chgrp "$pgroup" "$creds"
fi

chmod 662 "$creds"
run tfauth-profile list
check "world-writable: refused, whatever the group" \
	test "$rc" = 1 -a -z "$out"
check "world-writable: mode named" contains "$err" "(mode 0662)"
chmod 600 "$creds"
run tfauth-profile list
check "after chmod 600: loaded" test "$rc" = 0 -a "$out" = p

t_done
