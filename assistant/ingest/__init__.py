"""Files -> Documents -> Chunks, and the ingest run that writes them into an index."""
