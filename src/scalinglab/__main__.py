from scalinglab.cli.main import main

main()
