"""The codebook: its file format, edits inside a project, finding codes by what a coder types, and rendering."""
