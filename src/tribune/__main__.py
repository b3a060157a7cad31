from tribune.cli import main

main()
