complete --keep-order --exclusive --command sigil-rekey --arguments "(SIGIL_COMPLETE=fish sigil-rekey -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
