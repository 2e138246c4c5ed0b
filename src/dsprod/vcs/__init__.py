"""Everything dsprod asks of version control: ``git.py`` (plain git calls) and ``scm.py``
(setuptools_scm: tags -> a ``VersionInfo``)."""
