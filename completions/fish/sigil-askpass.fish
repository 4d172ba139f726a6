complete --keep-order --exclusive --command sigil-askpass --arguments "(SIGIL_COMPLETE=fish sigil-askpass -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
