"""Team merge: bring coders' project files together by GUIDs and text hashes."""
