# shellcheck disable=SC2207  # COMPREPLY=($(compgen ...)) is the completion idiom
# bash completion for sancsim (installed as
# share/bash-completion/completions/sancsim; or: source scripts/sancsim-completion.bash)
#
# Completes the commands, each command's options, scenario files (*.cfg) for
# run/check/sweep, result files (*.h5) for merge/export/diff, folders for
# export -o, `help` topics, and for --vars the variables of the result file
# named on the command line (when h5py is there to list them).

_sancsim_vars() {
    local file=$1
    [ -f "$file" ] || return 0
    /usr/bin/python3 - "$file" 2>/dev/null <<'PY'
import sys
try:
    import h5py
    with h5py.File(sys.argv[1], "r") as f:
        for k, v in f.items():
            if hasattr(v, "attrs") and "dims" in v.attrs and not k.startswith("run_"):
                print(k)
except Exception:
    pass
PY
}

_sancsim() {
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands="run check sweep merge export diff help"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        run | check | sweep | merge | export | diff | help) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return 0
    fi
    case $prev in
    -o | --output)
        compopt -o filenames 2>/dev/null
        if [ "$cmd" = export ]; then
            COMPREPLY=($(compgen -d -- "$cur"))
        else
            COMPREPLY=($(compgen -f -X '!*.h5' -- "$cur") $(compgen -d -- "$cur"))
        fi
        return 0
        ;;
    --set | --seed | -j | --jobs | --shard) return 0 ;;
    --vars)
        local f="" w
        for ((i = 2; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            case $w in *.h5) f=$w; break ;; esac
        done
        local prefix="" last=$cur
        case $cur in *,*) prefix=${cur%,*},; last=${cur##*,} ;; esac
        COMPREPLY=($(compgen -P "$prefix" -W "$(_sancsim_vars "$f")" -- "$last"))
        return 0
        ;;
    esac
    local opts
    case $cmd in
    run) opts="-o --output --set --seed -f --force -q --quiet -h --help" ;;
    check) opts="--set --seed -q --quiet -h --help" ;;
    sweep) opts="-o --output --set --seed -j --jobs --resume --shard -f --force -q --quiet -h --help" ;;
    merge) opts="-o --output -f --force -q --quiet" ;;
    export) opts="-o --output --vars -f --force -q --quiet -h --help" ;;
    diff) opts="-o --output --vars -f --force -q --quiet -h --help" ;;
    help)
        COMPREPLY=($(compgen -W "run check sweep merge export diff help" -- "$cur"))
        return 0
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return 0
    fi
    compopt -o filenames 2>/dev/null # folders get their slash, names are quoted
    case $cmd in
    run | check | sweep) COMPREPLY=($(compgen -f -X '!*.cfg' -- "$cur") $(compgen -d -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -X '!*.h5' -- "$cur") $(compgen -d -- "$cur")) ;;
    esac
    return 0
}
complete -F _sancsim sancsim
