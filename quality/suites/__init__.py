"""Expectation suites as code: `landing` gates each delivered batch, `marts` gates the build."""
