"""Settings as a deployment's environment makes them."""

import importlib
import os
from contextlib import contextmanager


@contextmanager
def settings_module_with(**environ: str):
    """``portal.settings.base`` as it reads ``environ``, and as it was afterwards."""
    before = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        yield importlib.reload(importlib.import_module("portal.settings.base"))
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
        importlib.reload(importlib.import_module("portal.settings.base"))


POSTGRES = "postgres://portal:secret@db.example:5432/portal"
