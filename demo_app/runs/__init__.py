"""The runs ring: how a scheduled task is recorded, run, retried and recovered.

demo_app/README.md gives the reading order."""
