"""The ``llmwatch`` command: ``common`` (the app, options, errors) is imported by the
command modules (``pages``, ``query``, ``ops``); ``main`` imports them all and runs the app."""
