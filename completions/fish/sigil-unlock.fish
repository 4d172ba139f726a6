complete -c sigil-unlock -l for -d 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)' -r
complete -c sigil-unlock -l user-keyring -d 'Without a session keyring of this login\'s own (no pam_keyinit: su, containers, some SSH setups), keep the identity in the user-session keyring anyway, where every process of your user in any session can use it'
complete -c sigil-unlock -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-unlock -s V -l version -d 'Print version'
