"""The study design: who was given what to code (assignments) and the reliability samples.

Agreement reads the design to know which units each coder rated (a unit a
coder was never given is missing for them, not "read and not coded"); the
CLI and the workbench show each coder their assignments and the lead how far
everyone has got. This package never imports :mod:`codebench.agreement`, so
agreement can import it.
"""
