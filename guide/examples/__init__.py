"""Small, complete FastAPI apps, one idea each, shown verbatim in the guide.

Run any of them with `uvicorn guide.examples.NAME:app`; `tests/claims/` runs them all.
Slow steps read their length from the TASK_SECONDS environment variable, so the tests
can use short ones.
"""
