complete --keep-order --exclusive --command sigil-clip --arguments "(SIGIL_COMPLETE=fish sigil-clip -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
