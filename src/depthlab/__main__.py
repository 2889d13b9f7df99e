"""``python -m depthlab`` is the ``depthlab`` command."""

from depthlab.cli import main

if __name__ == "__main__":
    main()
