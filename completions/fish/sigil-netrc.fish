complete --keep-order --exclusive --command sigil-netrc --arguments "(SIGIL_COMPLETE=fish sigil-netrc -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
