"""The frozen program's entry point: ``switchboard`` opens the window or runs a command.

One binary for both, as with the console script of the wheel (desktop.app.main decides).
"""

from desktop.app import main

raise SystemExit(main())
