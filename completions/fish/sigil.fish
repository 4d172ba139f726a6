complete --keep-order --exclusive --command sigil --arguments "(SIGIL_COMPLETE=fish sigil -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
