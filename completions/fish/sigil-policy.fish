complete --keep-order --exclusive --command sigil-policy --arguments "(SIGIL_COMPLETE=fish sigil-policy -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
