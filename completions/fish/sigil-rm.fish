complete --keep-order --exclusive --command sigil-rm --arguments "(SIGIL_COMPLETE=fish sigil-rm -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
