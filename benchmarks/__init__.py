"""gdplay's performance figures: ``python -m benchmarks`` (``--quick`` for a smoke run)."""
