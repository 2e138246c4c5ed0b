"""Readers of a project's own metadata, one module per language."""
