# tfauth shell integration for fish.  In ~/.config/fish/config.fish:
#
#     tfauth init fish | source
#
# Thin functions only; the logic lives in the tfauth binaries:
#   terraform, tofu      run through tfauth-run (TFAUTH_DISABLE=1: directly;
#                        set -gx TFAUTH_SERVE 1: it serves them refreshing
#                        credentials, see tfauth-run --help)
#   tfp [PROFILE|-]      switch this shell's profile (tfauth-env); no name:
#                        the picker on a terminal, else the list; -: back
#   tfauth_prompt_info   "PROFILE" or "PROFILE 42m" for fish_prompt or
#                        fish_right_prompt: (tfauth_prompt_info) runs in
#                        this process, and starts none
# followed by the completions (completions/tfauth.fish).

# An alias is a function in fish: these replace it.
function terraform --description 'terraform through tfauth-run (TFAUTH_DISABLE=1: directly)'
    __tfauth_wrap terraform $argv
end

function tofu --description 'tofu through tfauth-run (TFAUTH_DISABLE=1: directly)'
    __tfauth_wrap tofu $argv
end

# The command itself when tfauth is disabled or not installed, so that the
# wrapper never stands between the user and terraform.
function __tfauth_wrap
    if test "$TFAUTH_DISABLE" = 1; or not command -q tfauth-run
        command $argv
    else
        command tfauth-run -- $argv
    end
end

function tfp --description 'switch the AWS profile of this shell (tfp -: back)'
    set -l name
    switch (count $argv)
        case 0
            # The picker talks on the terminal; in a pipe, the list is the answer.
            if isatty stdin; and isatty stderr
                set name (command tfauth-profile pick); or return $status
                test -n "$name"; or return 1
            else
                command tfauth-profile list
                return $status
            end
        case 1
            switch $argv[1]
                case -h --help
                    echo 'usage: tfp [PROFILE|-]' >&2
                    return 0
                case -
                    if test -z "$__tfauth_prev_profile"
                        echo 'tfp: no previous profile' >&2
                        return 1
                    end
                    set name $__tfauth_prev_profile
                case '*'
                    set name $argv[1]
            end
        case '*'
            echo 'usage: tfp [PROFILE|-]' >&2
            return 2
    end
    set -l code (command tfauth-env --shell fish -- $name); or return $status
    # What tfauth-profile current would say: AWS_PROFILE, AWS_DEFAULT_PROFILE,
    # else the SDKs' default.
    set -l prev $AWS_PROFILE
    test -n "$prev"; or set prev $AWS_DEFAULT_PROFILE
    test -n "$prev"; or set prev default
    set -g __tfauth_prev_profile $prev
    printf '%s\n' $code | source
end

# __tfauth_epoch TIME: seconds since the epoch of an RFC 3339 time
# (2024-05-01T12:00:00Z, fractions and +hh:mm offsets too).  string and
# math are builtins (days from the civil date, as in Howard Hinnant's
# algorithm): date(1) would fork on every prompt.  Every group always
# matches, so that their order holds in fish before 3.4 too.
function __tfauth_epoch
    set -l t (string match -r -- '^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?([Zz]|[+-]\d\d:?\d\d)$' $argv[1])
    or return 1
    set -l y (math $t[2])
    set -l m (math $t[3])
    test $m -le 2; and set y (math $y - 1)
    set -l era (math "floor($y / 400)")
    set -l yoe (math $y - $era \* 400)
    set -l mp (math "($m + 9) % 12")
    set -l doy (math "floor((153 * $mp + 2) / 5) + $t[4] - 1")
    set -l doe (math "$yoe * 365 + floor($yoe / 4) - floor($yoe / 100) + $doy")
    set -l off 0
    if string match -qr -- '^[+-]' $t[8]
        set off (math "(" (string sub -s 2 -l 2 -- $t[8]) "* 60 +" (string sub -s -2 -- $t[8]) ") * 60")
        string match -q -- '+*' $t[8]; and set off (math -$off)
    end
    math "(($era * 146097 + $doe - 719468) * 24 + $t[5]) * 3600 + $t[6] * 60 + $t[7] + $off"
end

# fish has no clock variable.  `path mtime` (fish 3.5) is a builtin that
# tells the time all the same: the modification time of / plus its age.
# Without it, the prompt shows when the credentials expire (UTC) instead
# of the minutes left.
if contains -- path (builtin -n)
    set -g __tfauth_clock path
else
    set -g __tfauth_clock none
end

# tfauth_prompt_info: the profile, then the minutes left before
# AWS_CREDENTIAL_EXPIRATION ("prod 42m", "prod expired"; before fish 3.5
# "prod until 14:05Z"); nothing when no profile is chosen.  Builtins only:
# no process is started.
function tfauth_prompt_info --description 'the AWS profile and minutes left, for the prompt'
    set -l s $AWS_PROFILE
    test -n "$s"; or set s $AWS_DEFAULT_PROFILE
    set -l exp
    if test -n "$AWS_CREDENTIAL_EXPIRATION"
        and set exp (__tfauth_epoch $AWS_CREDENTIAL_EXPIRATION)
        set -l left
        if test "$__tfauth_clock" = path
            set -l now (math (path mtime /) + (path mtime --relative /))
            set left expired
            if test $exp -gt $now
                set left (math "floor(($exp - $now) / 60)")m
            end
        else
            set -l day (math "$exp % 86400")
            set left until (printf '%02d:%02dZ' (math "floor($day / 3600)") (math "floor($day % 3600 / 60)"))
        end
        set s $s $left
    end
    test -n "$s"; and printf '%s\n' (string join ' ' -- $s)
    return 0
end
