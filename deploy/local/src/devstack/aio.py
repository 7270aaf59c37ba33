"""Running a coroutine to completion from synchronous code, whatever the caller's context."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, also from inside a running event loop.

    The building blocks are synchronous so module-scoped pytest fixtures of either kind can
    use them; when the caller is itself on a loop (an async fixture), the coroutine runs on a
    fresh loop in a helper thread and the caller blocks briefly, as with any sync call.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="devstack-sync") as pool:
        return pool.submit(asyncio.run, coro).result()
