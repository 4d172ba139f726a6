complete --keep-order --exclusive --command sigil-env --arguments "(SIGIL_COMPLETE=fish sigil-env -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
