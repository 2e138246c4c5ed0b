"""The one shape PEP 621, poetry and setup.cfg are read into.

Everything after reading (conda specs, licence, layout) works on ``Metadata``
and so never needs to know which file the project used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from dsprod.languages.python.requirements import Dependency

# Extras whose dependencies the package's tests need.
TEST_EXTRAS = ("test", "tests", "testing")


@dataclass
class Metadata:
    """What one metadata source declares, before any mapping to conda."""

    file: Path
    name: str
    static_version: str | None = None
    summary: str = ""
    license_text: str | None = None
    license_field: str = ""
    license_patterns: list[str] | None = None
    """Globs for the licence files; None means the usual LICENSE*/COPYING* names."""
    classifiers: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    python_spec: str = ""
    """Conda version spec of the python the project supports; empty when unrestricted."""
    python_field: str = ""
    dependencies: list[Dependency] = field(default_factory=list)
    extras: dict[str, list[Dependency]] = field(default_factory=dict)
    """Optional dependencies by normalised extra name (PEP 685)."""
    test_dependencies: list[Dependency] = field(default_factory=list)
    """The test extras' dependencies; ``test_deps`` adds every other source."""
    scripts: dict[str, str] = field(default_factory=dict)
    """Console scripts: name -> ``module:function``."""
    scripts_field: str = ""
    """Where the console scripts were declared (file and table), for errors about them."""
    warnings: list[str] = field(default_factory=list)

    def extra_dependencies(
        self, names: Iterable[str], seen: set[str] | None = None
    ) -> list[Dependency]:
        """The dependencies of the named extras, expanding the project's ``self[other]`` uses."""
        seen = set() if seen is None else seen
        found: list[Dependency] = []
        for extra in map(canonicalize_name, names):
            if extra in seen:
                continue
            seen.add(extra)
            for dependency in self.extras.get(extra, []):
                if canonicalize_name(dependency.name) == canonicalize_name(self.name):
                    found += self.extra_dependencies(dependency.extras, seen)
                else:
                    found.append(dependency)
        return found
