"""Modal dialogs of the workbench: each returns a typed result to the screen that pushed it."""
