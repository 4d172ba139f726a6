complete --keep-order --exclusive --command sigil-resolve --arguments "(SIGIL_COMPLETE=fish sigil-resolve -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
