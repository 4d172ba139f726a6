complete --keep-order --exclusive --command sigil-run --arguments "(SIGIL_COMPLETE=fish sigil-run -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
