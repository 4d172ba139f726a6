complete --keep-order --exclusive --command sigil-edit --arguments "(SIGIL_COMPLETE=fish sigil-edit -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
