"""Benchmarks (`make bench`): each prints its figures beside a same-run baseline."""
