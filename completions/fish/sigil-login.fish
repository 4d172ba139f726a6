complete --keep-order --exclusive --command sigil-login --arguments "(SIGIL_COMPLETE=fish sigil-login -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
