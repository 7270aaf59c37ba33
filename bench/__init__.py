"""Benchmarks of the platform on the embedded stack, each beside a raw baseline measured in the
same run; ``python -m bench`` runs them (see README.md beside this file)."""
