"""The lesson ring: each pattern's routes and the tasks they schedule.

demo_app/README.md gives the reading order."""
