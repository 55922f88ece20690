"""Benchmarks for Palermo Hub (see bench/README.md). Not part of the deployed application."""
