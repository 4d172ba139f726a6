complete --keep-order --exclusive --command sigil-find --arguments "(SIGIL_COMPLETE=fish sigil-find -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
