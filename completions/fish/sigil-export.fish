complete --keep-order --exclusive --command sigil-export --arguments "(SIGIL_COMPLETE=fish sigil-export -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
