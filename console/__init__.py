"""The web console for people: village secretaries, Dinas PMD, the BPJS office.

Server-rendered pages over the same selectors, services and scoping as the API (no rule is
written twice here): a view reads one selector or calls one service, and anything outside
the caller's scope is 404. The top layer below the roof (docs/architecture.md).
"""
