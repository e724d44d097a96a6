"""Everything Qt: main window, tabs, widgets."""
