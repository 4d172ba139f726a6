complete --keep-order --exclusive --command sigil-unlock --arguments "(SIGIL_COMPLETE=fish sigil-unlock -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
