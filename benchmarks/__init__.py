"""Benchmarks: ``python -m benchmarks`` times issue 5's stages (see __main__.py)."""
