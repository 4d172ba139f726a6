complete --keep-order --exclusive --command sigil-status --arguments "(SIGIL_COMPLETE=fish sigil-status -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
