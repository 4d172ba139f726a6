complete --keep-order --exclusive --command sigil-backup --arguments "(SIGIL_COMPLETE=fish sigil-backup -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
