"""Benchmarks: seeding, enforcement on and off, HTTP throughput (see bench/README.md)."""
