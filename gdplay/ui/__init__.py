"""Qt views of the engine's objects. Only this package imports Qt."""
