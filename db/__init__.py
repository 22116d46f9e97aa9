"""SQLAlchemy 2.x models, engine/session, statement builders, migrations."""
