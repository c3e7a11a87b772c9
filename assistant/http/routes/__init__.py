"""One router per area of the API, each made by a ``router(...)`` function over the shared objects."""
