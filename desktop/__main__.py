"""`python -m desktop` opens the window (or runs a command, like the console script)."""

from desktop.app import main

raise SystemExit(main())
