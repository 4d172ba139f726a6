complete --keep-order --exclusive --command sigil-otp --arguments "(SIGIL_COMPLETE=fish sigil-otp -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
