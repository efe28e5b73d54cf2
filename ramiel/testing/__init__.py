"""Test and benchmark support: models of our own and the light model zoo."""
