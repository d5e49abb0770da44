"""Screens and modals of the coding workbench."""
