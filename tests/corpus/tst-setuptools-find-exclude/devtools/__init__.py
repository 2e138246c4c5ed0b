"""Release helpers the maintainers run from a checkout; not part of the package."""
