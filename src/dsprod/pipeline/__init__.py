"""The stages over one project (build -> publish -> test -> promote) and what they share.

``session.py`` holds what one command shares (settings, the store, opened only
when a stage needs it); ``stages.py`` the stages themselves, which return plain
outcomes the CLI prints; ``channels.py`` turns channel names into URLs.
"""

from dsprod.pipeline.admin import (
    MirrorOutcome,
    YankOutcome,
    mirror,
    mirror_target,
    write_status_page,
    yank,
)
from dsprod.pipeline.session import Session
from dsprod.pipeline.stages import (
    BuildOutcome,
    RecipeOutcome,
    RunOutcome,
    TestOutcome,
    build,
    find_package,
    owners,
    promote,
    recipe,
    reindex,
    require_passed,
    run,
    status,
    test,
    transfer_owner,
)

__all__ = [
    "BuildOutcome",
    "MirrorOutcome",
    "RecipeOutcome",
    "RunOutcome",
    "Session",
    "TestOutcome",
    "YankOutcome",
    "build",
    "find_package",
    "mirror",
    "mirror_target",
    "owners",
    "promote",
    "recipe",
    "reindex",
    "require_passed",
    "run",
    "status",
    "test",
    "transfer_owner",
    "write_status_page",
    "yank",
]
