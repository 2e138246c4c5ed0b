"""Run a project's own tests against its installed package in a clean env."""
