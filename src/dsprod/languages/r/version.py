"""R's version story: git tags in R syntax -> an R, a conda and a PEP 440 version that order alike.

R spells versions as numbers joined by ``.`` or ``-`` (``1.0-7``), and
``package_version`` compares them number by number, ``-`` and ``.`` alike,
padding the shorter one with zeros (``1.0 == 1.0-0``; measured with R 4.2).
``utils::compareVersion`` differs only there: it puts a version that another one
extends first (``1.0 < 1.0-0``). conda-forge publishes CRAN's ``1.0-7`` as
``1.0_7`` (``-`` is not allowed in a conda version), and conda/rattler read ``_``
as a separator like ``.`` and pad with zeros too, so the conda order is
``package_version``'s. Every build dsprod makes is one of these
(``tests/test_version_r_order.py`` proves that conda orders them as designed and
that neither R nor the PEP 440 equivalent ever orders two of them the other way):

=====================  ====================  ======================  =======================
build                  R (DESCRIPTION)       conda                   PEP 440 (promotion)
=====================  ====================  ======================  =======================
tag ``v1.0-7``         ``1.0-7``             ``1.0_7``               ``1.0.7`` (final)
3 commits after it     ``1.0-7.0.9000.3``    ``1.0_7.0.9000.3``      ``1.0.7.0.9000.dev3``
tag ``1.0-8rc1``       ``1.0-8``             ``1.0_8rc1``            ``1.0.8rc1``
2 commits after it     ``1.0-8``             ``1.0_8rc1.0.9000.2``   ``1.0.8rc1.post1.dev2``
=====================  ====================  ======================  =======================

- Development builds append ``.0.9000.<distance>`` to their tag: numbers only,
  so ``packageVersion()`` holds them; above the tag, ordered by distance, and
  below every later release that raises one of the tag's numbers (``1.0-8``,
  ``1.1-0``) or adds a patch number to it (``1.0-7.1``, as CRAN's boot
  1.3-28.1 did). ``9000`` is the tidyverse's mark of a development version
  (``usethis::use_dev_version``); the ``0`` before it keeps ``1.0-7.1`` (and
  ``0.2-1`` after a tag ``0.2``) above the builds that led to it, which plain
  ``1.0-7.9000`` would not. No numbers-only version can sit below every
  possible release: a later release ``1.0-7.0.1`` sorts below the development
  builds of ``1.0-7``.
- A release candidate: R has no pre-release syntax, so DESCRIPTION gets the
  release it is a candidate for (``1.0-8``, as it will reach CRAN): code that
  needs ``packageVersion(...) >= "1.0-8"`` runs against it. conda keeps
  ``rcN``, which sorts below the release; PEP 440 says it is not final.
- A dirty tree counts as a development build at its distance (0 on the tag),
  and its build string names the uncommitted changes, as for Python.
- Without a version tag, DESCRIPTION's own ``Version`` is the version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version
from rattler import Version as CondaVersion

from dsprod.artifact import Artifact, installed_file
from dsprod.conda.version import build_string
from dsprod.errors import InputError
from dsprod.vcs import git
from dsprod.vcs.scm import Described, VersionInfo

DEV_PREFIX = "0.9000"
"""What a development build appends to its tag before the distance: the tidyverse's
"in development" number 9000, after a 0 (see the module's docstring)."""

_RELEASE = r"[0-9]+(?:[.-][0-9]+)+"
_TAG = re.compile(rf"[vV]?(?P<release>{_RELEASE})(?:[-._]?(?i:rc)(?P<rc>[0-9]+))?")
_SEPARATOR = re.compile(r"[.-]")
TAG_SYNTAX = "at least two numbers joined by . or -, an optional v before and rcN after"


@dataclass(frozen=True)
class RVersion:
    """One build's version in R's terms: a release, maybe a candidate for it, maybe after it."""

    release: str
    """The release as its tag (or DESCRIPTION) spells it: ``1.0-7``, leading zeros kept."""
    rc: int | None = None
    """The release candidate number (tag ``1.0-8rc1``), None for a release."""
    dev: int | None = None
    """Commits since the tag (0 for a dirty tree on it); None for the tagged commit itself."""

    @property
    def r(self) -> str:
        """What DESCRIPTION's ``Version`` and ``packageVersion()`` say."""
        if self.dev is not None and self.rc is None:
            return f"{self.release}.{DEV_PREFIX}.{self.dev}"
        return self.release

    @property
    def conda(self) -> str:
        """conda-forge's spelling (``-`` -> ``_``), ordered as R orders versions."""
        conda = self.release.replace("-", "_")
        if self.rc is not None:
            conda += f"rc{self.rc}"
        if self.dev is not None:
            conda += f".{DEV_PREFIX}.{self.dev}"
        return conda

    @property
    def pep440(self) -> str:
        """A PEP 440 equivalent in the same order, recorded for the promotion policy."""
        text = ".".join(str(int(number)) for number in _SEPARATOR.split(self.release))
        if self.rc is not None:
            text += f"rc{self.rc}"
            if self.dev is not None:
                text += f".post1.dev{self.dev}"
        elif self.dev is not None:
            text += f".{DEV_PREFIX}.dev{self.dev}"
        return str(Version(text))

    @property
    def is_final(self) -> bool:
        """A tagged release: neither a candidate nor a development build."""
        return self.rc is None and self.dev is None


def parse_r_tag(tag: str) -> RVersion | None:
    """The release (candidate) a tag names (``v1.0-7``, ``1.0.7``, ``1.0-8rc1``), or None."""
    match = _TAG.fullmatch(tag)
    if match is None:
        return None
    return RVersion(match["release"], int(match["rc"]) if match["rc"] else None)


def is_r_version_tag(tag: str) -> bool:
    """Whether ``tag`` names an R release or release candidate (see ``parse_r_tag``)."""
    return parse_r_tag(tag) is not None


def tagged_version(described: Described) -> tuple[VersionInfo | None, tuple[str, ...]]:
    """The version of HEAD from its nearest R version tag (None: no such tag), and notes.

    Several version tags on one commit (``1.0-8rc1``, then ``1.0-8`` on the same
    commit) give the highest in conda's order. A nearer tag that is no R version
    is ignored, and a note says so.
    """
    notes: tuple[str, ...] = ()
    if described.skipped is not None:
        notes = (f"version: tag {described.skipped!r} is no R version ({TAG_SYNTAX}); ignored",)
    tagged = [(parsed, tag) for tag in described.tags if (parsed := parse_r_tag(tag))]
    if not tagged:
        return None, notes
    release, tag = max(tagged, key=lambda pair: (CondaVersion(pair[0].conda), pair[1]))
    in_development = described.distance > 0 or described.dirty
    version = replace(release, dev=described.distance if in_development else None)
    info = VersionInfo(
        pep440=version.pep440,
        native=version.r,
        conda=version.conda,
        build_string=build_string(described.commit, None, described.changes),
        commit=described.commit,
        distance=described.distance,
        dirty=described.dirty,
        is_final=version.is_final,
        tag=tag,
    )
    return info, notes


def declared_version(root: Path, declared: str, where: str) -> VersionInfo:
    """DESCRIPTION's ``Version`` as the version of HEAD (no version tag is reachable).

    The commit and dirtiness still come from git, so the build string names
    the sources exactly as for a tagged build.
    """
    if not re.fullmatch(_RELEASE, declared):
        raise InputError(
            f"{where}: {declared!r} is not an R version (at least two numbers joined by . or -)"
        )
    version = RVersion(declared)
    commit = git.head(root)
    dirty = git.is_dirty(root)
    return VersionInfo(
        pep440=version.pep440,
        native=version.r,
        conda=version.conda,
        build_string=build_string(commit, None, git.changes_digest(root) if dirty else None),
        commit=commit,
        distance=0,
        dirty=dirty,
        is_final=version.is_final,
        tag=None,
    )


_VERSION_FIELD = re.compile(rb"^Version:[ \t]*(?P<version>\S+)[ \t]*$", re.MULTILINE)


def installed_version_problems(artifact: Artifact, package: str, expected: str) -> Iterator[str]:
    """The installed DESCRIPTION must say the R version dsprod computed (``packageVersion()``).

    A maintained recipe that does not write it would ship the repository's
    Version, whatever the conda version says.
    """
    name = f"lib/R/library/{package}/DESCRIPTION"
    description = installed_file(artifact.path, name)
    if description is None:
        yield f"no {name}: R CMD INSTALL did not install the package"
        return
    match = _VERSION_FIELD.search(description)
    found = match["version"].decode(errors="replace") if match else None
    if found != expected:
        yield (
            f"{name} says Version {found}, dsprod computed {expected} from git"
            " (packageVersion() would disagree with the conda version; the recipe"
            " must write it, as dsprod's generated R recipe does)"
        )
