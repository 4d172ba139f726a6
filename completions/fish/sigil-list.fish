complete --keep-order --exclusive --command sigil-list --arguments "(SIGIL_COMPLETE=fish sigil-list -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
