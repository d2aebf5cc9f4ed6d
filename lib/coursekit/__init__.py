"""coursekit: the course's own tooling (release, notebook hygiene, grading round trips).

Not for learners: the models live in ``scalelab``. This package wraps nbgrader (it does not fork
it) so that the Makefile, the tests and the benchmarks share one implementation.
"""

__all__ = ["paths", "notebooks", "nbg"]
