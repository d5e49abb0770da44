"""The team server: a shared project (the hub) on PostgreSQL, and sync with local copies.

Each coder keeps working in a local SQLite project; the hub is a PostgreSQL
database whose row-level security decides who reads and writes what.

- :mod:`codebench.team.localserver` starts a throwaway cluster for tests and newcomers.
- :mod:`codebench.team.hub_schema` holds the hub's DDL as versioned migrations,
  its roles and its policies; :mod:`codebench.team.hub_sql` every other statement.
- :mod:`codebench.team.connect` opens connections (passwords only from libpq's usual places).
- :mod:`codebench.team.members` creates login roles.
- :mod:`codebench.team.sync` pushes and pulls; :mod:`codebench.team.copies` publishes and
  clones; :mod:`codebench.team.lead` shows progress and releases work for review.

psycopg is imported only inside these modules' functions, so codebench
without the ``team`` extra still works and ``codebench --help`` stays fast.
"""
