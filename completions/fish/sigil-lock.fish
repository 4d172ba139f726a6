complete --keep-order --exclusive --command sigil-lock --arguments "(SIGIL_COMPLETE=fish sigil-lock -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
