# Exercise 9: after 1 s, uvicorn cancels the tasks still running and exits.
answer = ["--timeout-graceful-shutdown", "1"]
