"""Coding: applying codes as undoable units of work, the workbench's headless state, listings, scripted coding."""
