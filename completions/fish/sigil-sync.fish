complete --keep-order --exclusive --command sigil-sync --arguments "(SIGIL_COMPLETE=fish sigil-sync -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
