# Exercise 8: the blocking call in a worker thread, awaited. asyncio.to_thread uses the
# event loop's default executor; anyio.to_thread.run_sync (what FastAPI uses for def tasks)
# takes one of AnyIO's 40 tokens instead.
import asyncio
import time


async def report(name: str) -> None:
    await asyncio.to_thread(time.sleep, 0.5)


answer = report
