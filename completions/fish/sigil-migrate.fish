complete --keep-order --exclusive --command sigil-migrate --arguments "(SIGIL_COMPLETE=fish sigil-migrate -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
