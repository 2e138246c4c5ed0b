"""Read an R package's DESCRIPTION into a ``ProjectInfo``.

DESCRIPTION is a Debian-control-style (DCF) file, not YAML or INI: a field
starts at column 0 with ``Name:``, any line starting with whitespace continues
the previous field (that is how ``Authors@R`` spans lines with parentheses),
and ``#`` lines at column 0 are comments. The dependency fields are
comma-separated ``name (op version)`` lists; ``R`` itself and the packages that
ship with R are not separate conda packages and are filtered out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from dsprod.conda.licenses import UNKNOWN_LICENSE
from dsprod.errors import InputError
from dsprod.languages.r.licenses import license_of_file, r_license_to_spdx
from dsprod.languages.r.version import declared_version
from dsprod.project import ProjectInfo
from dsprod.vcs.git import path_in_repository
from dsprod.vcs.scm import VersionInfo
from dsprod.vcs.urls import absolute_url

# Packages that are part of every R installation (base + recommended): the
# conda package ``r-base`` provides them, so they never become requirements.
R_BUILTIN_PACKAGES = frozenset(
    {
        "base", "compiler", "datasets", "grDevices", "graphics", "grid", "methods",
        "parallel", "splines", "stats", "stats4", "tcltk", "tools", "utils",
        "MASS", "lattice", "Matrix", "nlme", "survival", "boot", "cluster", "codetools",
        "foreign", "KernSmooth", "rpart", "class", "nnet", "spatial", "mgcv",
    }
)  # fmt: skip

# ``License: file LICENSE``: a licence of the authors' own wording, or a standard
# text they chose to ship whole; the file's text says which.
_FILE_ONLY = re.compile(r"\s*file\s+\S+\s*")

# Source suffixes in ``src/`` that need a compiler, by the rattler-build
# compiler name; any of them makes the package platform-specific.
COMPILED_SUFFIXES = {
    ".c": "c",
    ".cpp": "cxx",
    ".cc": "cxx",
    ".cxx": "cxx",
    ".c++": "cxx",
    ".f": "fortran",
    ".f90": "fortran",
    ".f95": "fortran",
    ".for": "fortran",
}
_COMPILER_ORDER = ("c", "cxx", "fortran")

_FIELD_LINE = re.compile(r"^(?P<name>[^\s:]+):(?P<value>.*)$")
_PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$")
_DEPENDENCY = re.compile(
    r"^(?P<name>[A-Za-z][A-Za-z0-9.]*)\s*"
    r"(?:\(\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<version>[0-9][0-9.\-]*)\s*\))?$"
)
_R_VERSION = re.compile(r"^[0-9]+([.\-][0-9]+)*$")


@dataclass(frozen=True)
class RDependency:
    """One entry of a Depends/Imports/LinkingTo/Suggests list."""

    name: str
    """The R package name (``R`` for R itself)."""
    constraint: str | None = None
    """A conda version constraint such as ``>=1.0.5``, or None."""


def read_description(path: Path) -> dict[str, str]:
    """Parse a DCF DESCRIPTION file into ``{field: value}``.

    Continuation lines are joined to their field with ``\\n`` after stripping
    their indentation, so multi-line values keep their line structure (callers
    fold whitespace where it is prose). Raises ``InputError`` naming the file
    and line for anything R itself would reject.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read DESCRIPTION ({error.strerror})") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # R packages may declare ``Encoding: latin1``; every byte decodes in latin-1.
        text = raw.decode("latin-1")
    text = text.removeprefix("\ufeff")

    fields: dict[str, list[str]] = {}
    current: str | None = None
    blank_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            blank_line = blank_line or number
            continue
        if line.startswith("#"):
            continue
        if blank_line is not None:
            raise InputError(
                f"{path}:{blank_line}: blank line inside DESCRIPTION "
                "(a DESCRIPTION holds exactly one DCF record)"
            )
        if line[0] in " \t":
            if current is None:
                raise InputError(f"{path}:{number}: continuation line before any field")
            fields[current].append(line.strip())
            continue
        match = _FIELD_LINE.match(line)
        if match is None:
            raise InputError(f"{path}:{number}: expected 'Field: value', got {line.strip()!r}")
        current = match["name"]
        if current in fields:
            raise InputError(f"{path}:{number}: field {current} appears twice")
        fields[current] = [match["value"].strip()]
    return {name: "\n".join(parts).strip() for name, parts in fields.items()}


def fold_whitespace(text: str) -> str:
    """Prose fields wrap at arbitrary points; one space between words is what they mean."""
    return " ".join(text.split())


def r_version_to_pep440(r_version: str, *, where: str = "Version") -> str:
    """``1.2-3`` -> ``1.2.3``: R allows ``-`` or ``.`` between numbers, PEP 440 only ``.``."""
    if not _R_VERSION.match(r_version):
        raise InputError(f"{where}: {r_version!r} is not an R version (numbers joined by . or -)")
    return str(Version(r_version.replace("-", ".")))


def parse_dependencies(value: str, *, where: str) -> list[RDependency]:
    """Parse ``R (>= 4.1), Rcpp(>=1.0.5), methods`` (empty entries are ignored)."""
    dependencies = []
    for entry in value.split(","):
        entry = " ".join(entry.split())
        if not entry:
            continue
        match = _DEPENDENCY.match(entry)
        if match is None:
            raise InputError(f"{where}: cannot parse dependency {entry!r}")
        constraint = None
        if match["op"]:
            version = r_version_to_pep440(match["version"], where=where)
            constraint = f"{match['op']}{version}"
        dependencies.append(RDependency(match["name"], constraint))
    return dependencies


def r_conda_name(package: str) -> str:
    """The conda name of an R package (``R`` itself is ``r-base``)."""
    return "r-base" if package == "R" else f"r-{package.lower()}"


def conda_requirements(dependencies: list[RDependency]) -> list[str]:
    """Match specs for dependencies that are separate conda packages, merged per name.

    Two constraints on one package (``Rcpp (>= 1.0), Rcpp (< 2)``) become one
    spec ``r-rcpp >=1.0,<2``; R's built-in packages are dropped.
    """
    constraints: dict[str, list[str]] = {}
    for dependency in dependencies:
        if dependency.name in R_BUILTIN_PACKAGES:
            continue
        found = constraints.setdefault(r_conda_name(dependency.name), [])
        if dependency.constraint and dependency.constraint not in found:
            found.append(dependency.constraint)
    return [f"{name} {','.join(found)}" if found else name for name, found in constraints.items()]


def compiled_languages(root: Path) -> tuple[str, ...]:
    """Compilers (``c``, ``cxx``, ``fortran``) that the sources in ``src/`` need."""
    src = root / "src"
    if not src.is_dir():
        return ()
    found = {
        COMPILED_SUFFIXES[path.suffix.lower()]
        for path in src.rglob("*")
        if path.is_file() and path.suffix.lower() in COMPILED_SUFFIXES
    }
    return tuple(language for language in _COMPILER_ORDER if language in found)


def _with_r_base(requirements: list[str]) -> list[str]:
    """R packages always need R; keep a constrained ``r-base`` from Depends if there is one."""
    if any(spec.split()[0] == "r-base" for spec in requirements):
        return requirements
    return ["r-base", *requirements]


def _recorded_url(text: str, where: str, warnings: list[str]) -> str | None:
    """``text`` as a URL a package may record (``vcs.urls``), or None with a warning."""
    url = absolute_url(text)
    if url is None:
        warnings.append(f"{where}: {text!r} is not an absolute URL; left out")
    elif url != text:
        warnings.append(
            f"{where}: recorded as {url} (credentials, query and fragment are never recorded)"
        )
    return url


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
_URL_TOKEN = re.compile(r"<[^>]*>|[^\s<]+")
"""One whitespace-separated item, or one URL in angle brackets (which may hold spaces)."""


def _urls(value: str, where: str) -> tuple[list[str], list[str]]:
    """The URLs of a URL field, and a warning for each item that is not one.

    R separates the field's URLs by commas or whitespace, so a URL cannot hold
    a space unless it is encoded (``%20``) or the URL is written in angle
    brackets, whose content is one URL (spaces are encoded here). A URL that is
    followed, in the same comma-separated entry, by a bare word was most likely
    cut at a space in it: neither is recorded, rather than a truncated URL.
    """
    urls: list[str] = []
    warnings: list[str] = []
    for entry in value.split(","):
        tokens = _URL_TOKEN.findall(entry)
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            bracketed = token.startswith("<")
            url = token.strip("<> \t\n").replace(" ", "%20") if bracketed else token
            if not _URL.fullmatch(url):
                warnings.append(f"{where}: {token!r} is not a URL; ignored")
                continue
            start = index
            while not bracketed and index < len(tokens) and _bare_word(tokens[index]):
                index += 1
            if index == start:
                urls.append(url)
                continue
            warnings.append(
                f"{where}: {' '.join(tokens[start - 1 : index])!r} looks like one URL with a"
                " space in it; not recorded (write the space as %20, or the URL in <...>)"
            )
    return urls, warnings


def _bare_word(token: str) -> bool:
    """A token that continues a URL cut at a space (not a URL, not a ``(comment)``)."""
    return not (token.startswith(("<", "(")) or _URL.fullmatch(token))


_CODE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "codeberg.org/")


def _repository(
    urls: list[str], bug_reports: str | None, where: str, warnings: list[str]
) -> str | None:
    """A code-host URL from URL, else BugReports without its ``/issues`` tail."""
    for url in urls:
        if any(host in url for host in _CODE_HOSTS):
            return url
    reports = _recorded_url(bug_reports.strip(), where, warnings) if bug_reports else None
    return re.sub(r"/(-/)?issues/?$", "", reports) if reports else None


def _resolve_version(
    root: Path, description: dict[str, str], version: VersionInfo | None, path: Path
) -> tuple[VersionInfo, str]:
    """The version to build, and a warning that says where it came from."""
    declared = description.get("Version")
    if version is not None:
        note = f"version: {version.native} from git tag {version.tag}"
        if declared and declared != version.native:
            note += f" (DESCRIPTION says {declared}; the build writes {version.native} into it)"
        return version, note
    if not declared:
        raise InputError(f"{path}: no git version tag and no Version field")
    note = f"version: no git version tag; using DESCRIPTION Version {declared}"
    return declared_version(root, declared, f"{path}: Version"), note


def read_r_project(root: Path, version: VersionInfo | None) -> ProjectInfo:
    """Describe the R package in ``root`` (the folder holding DESCRIPTION).

    ``version`` is the git-derived version; None means the repository has no
    version tag, and DESCRIPTION's ``Version`` is used instead.
    """
    path = root / "DESCRIPTION"
    description = read_description(path)
    package = description.get("Package")
    if not package:
        raise InputError(f"{path}: missing field Package")
    if not _PACKAGE_NAME.match(package):
        raise InputError(f"{path}: Package {package!r} is not a valid R package name")

    def dependencies(field: str) -> list[RDependency]:
        return parse_dependencies(description.get(field, ""), where=f"{path}: {field}")

    runtime = conda_requirements(dependencies("Depends") + dependencies("Imports"))
    host = conda_requirements(
        dependencies("Depends") + dependencies("Imports") + dependencies("LinkingTo")
    )
    # Suggests are optional, as on CRAN: the test env takes those the channels have.
    # testthat is the one the tests cannot run without, when tests/testthat/ exists.
    suggested = conda_requirements(dependencies("Suggests"))
    tests: list[str] = []
    if (root / "tests" / "testthat").is_dir():
        tests = [spec for spec in suggested if spec.split()[0] == "r-testthat"] or ["r-testthat"]
    optional_tests = [spec for spec in suggested if spec not in tests]

    resolved, version_note = _resolve_version(root, description, version, path)
    warnings = [version_note]

    license_text = description.get("License")
    spdx: str | None = None
    license_files: tuple[str, ...] = ()
    if license_text:
        mapped = r_license_to_spdx(license_text)
        spdx = mapped.spdx
        missing = [name for name in mapped.files if not (root / name).is_file()]
        license_files = tuple(name for name in mapped.files if name not in missing)
        warnings.extend(
            f"{path}: License names file {name}, which does not exist" for name in missing
        )
        if spdx is None and _FILE_ONLY.fullmatch(license_text) and license_files:
            spdx = license_of_file(root / license_files[0], str(path), warnings)
        if spdx is None:
            warnings.append(
                f"{path}: License {fold_whitespace(license_text)!r} has no SPDX mapping:"
                f" recorded as {UNKNOWN_LICENSE}"
            )
    else:
        warnings.append(f"{path}: no License field: recorded as {UNKNOWN_LICENSE}")

    raw_urls, url_warnings = _urls(description.get("URL", ""), f"{path}: URL")
    warnings.extend(url_warnings)
    found = (_recorded_url(url, f"{path}: URL", warnings) for url in raw_urls)
    urls = [url for url in found if url]
    repository = _repository(urls, description.get("BugReports"), f"{path}: BugReports", warnings)
    compilers = compiled_languages(root)
    return ProjectInfo(
        root=root,
        language="r",
        name=package,
        conda_name=r_conda_name(package),
        version=resolved,
        summary=fold_whitespace(description.get("Title", "")),
        description=fold_whitespace(description.get("Description", "")),
        license=spdx or UNKNOWN_LICENSE,
        license_files=license_files,
        homepage=urls[0] if urls else None,
        repository=repository,
        host_requirements=tuple(_with_r_base(host)),
        run_requirements=tuple(_with_r_base(runtime)),
        test_requirements=tuple(tests),
        optional_test_requirements=tuple(optional_tests),
        imports=(package,),
        noarch=not compilers,
        compilers=compilers,
        tests_dirs=(path_in_repository(root, "tests"),),
        warnings=tuple(warnings),
    )
