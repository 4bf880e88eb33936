# fish completion for tfauth, tfauth-env, tfauth-profile, tfauth-refresh,
# tfauth-doctor, tfauth-run and tfp (the function of `tfauth init fish`,
# which includes this file).  Installed on its own, it can be linked under
# each command's name in a completions directory.  Profile names come from
# `tfauth-profile __complete`, which reads the config files and never the
# network.

function __tfauth_profiles
    command tfauth-profile __complete 2>/dev/null
end

# __tfauth_nargs OPTION...: how many operands precede the cursor; options,
# and the values of the OPTIONs named, do not count.
function __tfauth_nargs
    set -l words (commandline -opc)
    set -e words[1]
    set -l n 0
    set -l skip 0
    set -l dd 0
    for w in $words
        if test $skip = 1
            set skip 0
        else if test $dd = 1
            set n (math $n + 1)
        else
            switch $w
                case --
                    set dd 1
                case '--*=*'
                case '-*'
                    contains -- $w $argv; and set skip 1
                case '*'
                    set n (math $n + 1)
            end
        end
    end
    echo $n
end

# __tfauth_like CMD: complete the line as if it started with CMD instead of
# its first two words (tfauth NAME ... as tfauth-NAME ...), or, with "--", as
# the command after the first "--" (tfauth-run -- terraform ...).
function __tfauth_like
    set -l words (commandline -opc)
    if test "$argv[1]" = --
        set -l i (contains -i -- -- $words)
        or return
        set words $words[(math $i + 1)..-1]
        if test (count $words) -eq 0
            __fish_complete_command
            return
        end
    else
        set words $argv[1] $words[3..-1]
    end
    complete -C (string join ' ' -- (string escape -- $words) (commandline -ct))
end

# tfp
complete -c tfp -f
complete -c tfp -n 'test (__tfauth_nargs) = 0' -a '(__tfauth_profiles)' -d 'AWS profile'

# tfauth: the dispatcher
complete -c tfauth -f
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -s h -l help -d 'show the help'
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -s V -l version -d 'show the version'
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a doctor -d "check everything that breaks Terraform's AWS credentials"
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a env -d 'print shell code that selects a profile'
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a init -d 'print the shell integration'
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a profile -d 'list, show and report the current profile'
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a refresh -d "make a profile's credentials fresh"
complete -c tfauth -n 'test (__tfauth_nargs) = 0' -a run -d 'run a command with the profile, log in again on auth errors'
complete -c tfauth -n '__fish_seen_subcommand_from init; and test (__tfauth_nargs) = 1' -a 'bash zsh fish'
for __tfauth_c in doctor env profile refresh run
    complete -c tfauth -n "__fish_seen_subcommand_from $__tfauth_c; and test (__tfauth_nargs) -ge 1" \
        -a "(__tfauth_like tfauth-$__tfauth_c)"
end
set -e __tfauth_c

# tfauth-env
complete -c tfauth-env -f
complete -c tfauth-env -s s -l shell -x -a 'bash zsh fish sh' -d 'the dialect of the code'
complete -c tfauth-env -s c -l credentials -d 'also export the resolved credentials'
complete -c tfauth-env -s f -l format -x -a 'process json dotenv' -d 'print the credentials in a machine format'
complete -c tfauth-env -s h -l help -d 'show the help'
complete -c tfauth-env -s V -l version -d 'show the version'
complete -c tfauth-env -n 'test (__tfauth_nargs -s --shell -f --format) = 0' -a '(__tfauth_profiles)' -d 'AWS profile'

# tfauth-profile
complete -c tfauth-profile -f
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -s h -l help -d 'show the help'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -s V -l version -d 'show the version'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -a list -d 'every profile, once each, sorted'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -a current -d 'the active profile and what selected it'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -a show -d 'the merged settings of a profile'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -a pick -d 'pick a profile interactively'
complete -c tfauth-profile -n 'test (__tfauth_nargs) = 0' -a set-keys -d 'replace the static keys of a profile'
complete -c tfauth-profile -n '__fish_seen_subcommand_from list' -s l -l long -d 'add type, region, account and expiry'
complete -c tfauth-profile -n '__fish_seen_subcommand_from pick' -s l -l long -d 'show type, region and account beside each name'
complete -c tfauth-profile -n '__fish_seen_subcommand_from list show' -s j -l json -d 'as JSON'
complete -c tfauth-profile -n '__fish_seen_subcommand_from set-keys' -l stdin -d 'read the keys from stdin'
complete -c tfauth-profile -n '__fish_seen_subcommand_from set-keys' -l no-verify -d 'do not check the keys with STS'
complete -c tfauth-profile -n '__fish_seen_subcommand_from show set-keys; and test (__tfauth_nargs) = 1' \
    -a '(__tfauth_profiles)' -d 'AWS profile'

# tfauth-refresh
complete -c tfauth-refresh -f
complete -c tfauth-refresh -s f -l force -d 'refresh even when the cached credentials are fresh'
complete -c tfauth-refresh -s n -l non-interactive -d 'never prompt: exit 3 when a code is needed'
complete -c tfauth-refresh -s c -l check -d 'no network: exit 0 when cached credentials last'
complete -c tfauth-refresh -s m -l mfa-code -x -d 'the MFA code'
complete -c tfauth-refresh -s b -l no-browser -d 'for an SSO login, show the address only'
complete -c tfauth-refresh -s F -l format -x -a 'process json dotenv shell' -d 'then print the credentials'
complete -c tfauth-refresh -s s -l shell -x -a 'bash zsh fish sh' -d 'the dialect for --format shell'
complete -c tfauth-refresh -s q -l quiet -d 'say nothing on success'
complete -c tfauth-refresh -s h -l help -d 'show the help'
complete -c tfauth-refresh -s V -l version -d 'show the version'
complete -c tfauth-refresh -n 'test (__tfauth_nargs -m --mfa-code -F --format -s --shell) = 0' \
    -a '(__tfauth_profiles)' -d 'AWS profile'

# tfauth-doctor
complete -c tfauth-doctor -f
complete -c tfauth-doctor -s j -l json -d 'the report as JSON'
complete -c tfauth-doctor -l offline -d 'skip the checks that need the network'
complete -c tfauth-doctor -s e -l explain -r -F -d 'explain terraform or AWS CLI output (- for stdin)'
complete -c tfauth-doctor -s h -l help -d 'show the help'
complete -c tfauth-doctor -s V -l version -d 'show the version'
complete -c tfauth-doctor -n 'test (__tfauth_nargs -e --explain) = 0' -a '(__tfauth_profiles)' -d 'AWS profile'

# tfauth-run [--profile P] [--no-retry] [--retry] [--quiet] [--serve-credentials] -- CMD ARGS
complete -c tfauth-run -f
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s p -l profile -x -a '(__tfauth_profiles)' -d 'the profile to run with'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s n -l no-retry -d 'never refresh and rerun after a failure'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s r -l retry -d 'also rerun commands tfauth-run does not know'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s q -l quiet -d 'say nothing but errors and advice'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s s -l serve-credentials -d 'serve the command refreshing credentials on loopback'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s S -l no-serve-credentials -d 'export the credentials, whatever TFAUTH_SERVE says'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s h -l help -d 'show the help'
complete -c tfauth-run -n 'not contains -- -- (commandline -opc)' -s V -l version -d 'show the version'
complete -c tfauth-run -n 'contains -- -- (commandline -opc)' -a '(__tfauth_like --)'
