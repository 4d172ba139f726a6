complete --keep-order --exclusive --command sigil-init --arguments "(SIGIL_COMPLETE=fish sigil-init -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
