"""Pure: bytes and text in, typed records out; nothing here imports SQLAlchemy or ``db``."""
