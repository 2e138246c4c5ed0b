"""Clean environments, the project's tests exported from git, and the outcome of a test run.

The test runners themselves belong to each language (``Language.run_tests``).
"""
