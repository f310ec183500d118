from nitet_cli.console import main

main()
