"""pytest-benchmark micro-benchmarks: speed, not correctness (`make bench`)."""
