"""Records in, rows and events out, inside a database session; reading pages is ``pipeline.extract``'s."""
