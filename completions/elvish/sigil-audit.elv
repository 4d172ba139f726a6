
use builtin;
use str;

set edit:completion:arg-completer[sigil-audit] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-audit'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-audit'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
            cand verify 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-audit;show'= {
            cand --since 'Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)'
            cand --address 'Only entries about this credential (service/account[/field])'
            cand --event 'Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)'
            cand --json 'Print one JSON object per line (for a SIEM)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-audit;verify'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-audit;help'= {
            cand show 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
            cand verify 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-audit;help;show'= {
        }
        &'sigil-audit;help;verify'= {
        }
        &'sigil-audit;help;help'= {
        }
    ]
    $completions[$command]
}
