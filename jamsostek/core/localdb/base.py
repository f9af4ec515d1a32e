"""Django's PostgreSQL backend, on the embedded server (see the package's docstring).

The server starts when the process first connects, not when the settings are read: a
command that never touches the database (``check --deploy``, ``collectstatic``, ``ruff``'s
neighbours) starts nothing.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from . import USER, server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        options = self.settings_dict["OPTIONS"]
        name = self.settings_dict["NAME"] or ""  # None: the maintenance database
        running = server(
            options["pgdata"],
            disposable=options.get("disposable", False),
            # Test databases are made by Django's test set-up, the maintenance one by initdb.
            database="" if name.startswith("test_") or name in ("", USER) else name,
        )
        # Other processes (a Celery worker a test starts) read where the server listens here.
        self.settings_dict["HOST"] = running.host
        self.settings_dict["PORT"] = str(running.port)
        params = super().get_connection_params()
        params.pop("pgdata", None)
        params.pop("disposable", None)
        return params
