"""One small FastAPI app per way of sending the welcome email after a sign-up.

In-process: `background_tasks`, `create_task`, `task_group`, `process_pool`. On a Redis
queue, with a worker process: `celery_app`, `arq_app`, `taskiq_app`, `dramatiq_app`,
`rq_app`. Every one registers the user, answers, and sends the same email (`welcome`) to
the SMTP server at SMTP_HOST:SMTP_PORT; the queues find Redis at REDIS_URL. The docs page
"Which way to run a task" (docs/choosing.md) compares them; tests/queues runs each.
"""
