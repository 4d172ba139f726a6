complete --keep-order --exclusive --command sigil-audit --arguments "(SIGIL_COMPLETE=fish sigil-audit -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
