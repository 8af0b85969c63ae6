"""The stored scorecard of each problem, its history and the portfolio, built on the pure
`app.scoring` engine.

Importing the package registers the unit of work's refresh on every session (service.py), so
no code path that writes (requests, the CLI, imports, seeds) can leave a card stale.
"""

from app.scorecards import service as _service  # noqa: F401
