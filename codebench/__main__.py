"""``python -m codebench`` runs the same CLI as the ``codebench`` script."""

from codebench.cli import main

if __name__ == "__main__":
    main()
