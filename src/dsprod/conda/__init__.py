"""Pure conda vocabulary: version spelling and order, package names, match specs, SPDX licences.

Nothing here imports the rest of dsprod: every other room may use it.
"""
