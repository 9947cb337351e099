"""Offline plans: run a crossnet program on Pulumi's mock runtime and show what it would create.

The same runtime and provider-like mocks back the unit tests (``tests/conftest.py``).
"""
