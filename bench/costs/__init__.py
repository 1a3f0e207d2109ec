"""What each way of running a task costs: `make bench` (full) and `make bench-quick`.

The same "register and send a welcome email" route, run seven ways on real uvicorn servers
on 127.0.0.1, with a local SMTP sink (`demo_app.platform.mailbox.MailSink`) made slow on purpose:

- `apps`: one small app with a route per standalone way (inline, `def` task, `async def`
  task, `async def` task with a blocking call) and a route without tasks;
- `taskiq_app`: the same route on Taskiq and Redis (the asyncio-native queue);
- `modes`: how each way is started (the demo app, in-process or on Celery, for the rest);
- `load`: the clients, the probe of an unrelated endpoint, CPU and memory;
- `celery_extra`: enqueue cost, 500 tasks through 2 workers, one worker SIGKILLed;
- `runner`: the grid of cells, the JSON in bench/results/; `plots`, `report`: SVG and tables.
"""
