complete --keep-order --exclusive --command sigil-cp --arguments "(SIGIL_COMPLETE=fish sigil-cp -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
