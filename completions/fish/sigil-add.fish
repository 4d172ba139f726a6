complete --keep-order --exclusive --command sigil-add --arguments "(SIGIL_COMPLETE=fish sigil-add -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
