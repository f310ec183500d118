from nitet_cli.cli import main

main()
