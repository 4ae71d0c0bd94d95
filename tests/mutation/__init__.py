"""Mutation testing tools behind ``make mutate`` (not collected as tests)."""
