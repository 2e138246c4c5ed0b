"""Conda recipes: a neutral model, and writers for the v1 (rattler-build) format."""
