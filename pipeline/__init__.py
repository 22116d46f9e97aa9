"""Reading and storing prices and funding rounds, in two rooms.

``pipeline.extract`` is pure (bytes and text in, typed records out);
``pipeline.store`` writes those records inside a database session.
"""
