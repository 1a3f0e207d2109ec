"""The platform ring: limits, security, logs, events, health, migrations.

demo_app/README.md gives the reading order."""
