"""`python -m perfeval_dsl` runs the command-line tool."""

from perfeval_dsl.cli import main

if __name__ == "__main__":
    main()
