"""`python -m benchmarks` (`make bench`): how fast Newsroom Pulse is, next to its limit.

Kept out of `make test` on purpose: timings depend on the machine and on whatever else
runs on it, so no test asserts one; tests/integration/test_bench_smoke.py only checks
that a tiny run of the harness writes a well-formed result.
"""
