complete --keep-order --exclusive --command sigil-get --arguments "(SIGIL_COMPLETE=fish sigil-get -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
