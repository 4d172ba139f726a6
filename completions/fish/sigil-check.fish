complete --keep-order --exclusive --command sigil-check --arguments "(SIGIL_COMPLETE=fish sigil-check -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
