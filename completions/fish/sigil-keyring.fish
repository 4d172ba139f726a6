complete --keep-order --exclusive --command sigil-keyring --arguments "(SIGIL_COMPLETE=fish sigil-keyring -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
