complete --keep-order --exclusive --command sigil-mv --arguments "(SIGIL_COMPLETE=fish sigil-mv -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
