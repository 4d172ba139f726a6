complete --keep-order --exclusive --command sigil-aws --arguments "(SIGIL_COMPLETE=fish sigil-aws -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
