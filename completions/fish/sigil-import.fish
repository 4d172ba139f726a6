complete --keep-order --exclusive --command sigil-import --arguments "(SIGIL_COMPLETE=fish sigil-import -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
