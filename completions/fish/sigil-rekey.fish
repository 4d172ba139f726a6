complete -c sigil-rekey -l purge-old -d 'Do not rotate: delete the old identities kept by earlier rotations'
complete -c sigil-rekey -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-rekey -s V -l version -d 'Print version'
