"""The baseline of ``api_throughput.py``: send prepared chat requests with N in flight and nothing else.

    python benchmarks/bare_client.py --url http://127.0.0.1:PORT/v1/chat/completions \\
        --bodies bodies.jsonl --concurrency 128 [--client aiohttp|httpx|openai]

``bodies.jsonl`` holds one JSON request body per line. The client checks that each answer
has ``choices``, prints ``ok=<count> failed=<count> prompt_tokens=<sum> completion_tokens=<sum>``
(the sums of the answers' ``usage``), and exits. ``--api-key`` (default ``EMPTY``) is sent as the
bearer token. It imports only the HTTP client it uses, so its run time is what a minimal program
needs for the same requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass


@dataclass
class Tally:
    """What the answers held: how many had choices, and the sums of their ``usage`` token counts."""

    ok: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, answer: dict) -> None:
        """Count one parsed answer."""
        self.ok += bool(answer.get("choices"))
        usage = answer.get("usage") or {}
        self.prompt_tokens += usage.get("prompt_tokens") or 0
        self.completion_tokens += usage.get("completion_tokens") or 0


async def run_aiohttp(url: str, bodies: list[bytes], concurrency: int, api_key: str, tally: Tally) -> None:
    """Send ``bodies`` with aiohttp, counting the answers in ``tally``."""
    import aiohttp

    pending = iter(bodies)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            for body in pending:
                async with session.post(url, data=body) as response:
                    tally.add(json.loads(await response.read()))

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def run_httpx(url: str, bodies: list[bytes], concurrency: int, api_key: str, tally: Tally) -> None:
    """Send ``bodies`` with httpx, counting the answers in ``tally``."""
    import httpx

    pending = iter(bodies)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=120) as client:

        async def worker() -> None:
            for body in pending:
                response = await client.post(url, content=body)
                tally.add(json.loads(response.content))

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def run_openai(url: str, bodies: list[bytes], concurrency: int, api_key: str, tally: Tally) -> None:
    """Send ``bodies`` with the official ``openai`` SDK, counting the answers in ``tally``."""
    import openai

    pending = iter(bodies)
    base_url = url.removesuffix("/chat/completions")
    client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)

    async def worker() -> None:
        for body in pending:
            completion = await client.chat.completions.create(**json.loads(body))
            tally.add(completion.model_dump())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await client.close()


CLIENTS = {"aiohttp": run_aiohttp, "httpx": run_httpx, "openai": run_openai}


def main() -> int:
    """Run the bare client; the exit code is 1 if any answer lacked choices."""
    parser = argparse.ArgumentParser(description="Send prepared chat requests with N in flight.")
    parser.add_argument("--url", required=True, help="the /chat/completions URL")
    parser.add_argument("--bodies", required=True, help="JSONL file, one request body per line")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp")
    parser.add_argument("--api-key", default="EMPTY", help="the bearer token to send")
    args = parser.parse_args()
    with open(args.bodies, "rb") as handle:
        bodies = [line.rstrip(b"\n") for line in handle if line.strip()]
    tally = Tally()
    asyncio.run(CLIENTS[args.client](args.url, bodies, args.concurrency, args.api_key, tally))
    print(
        f"ok={tally.ok} failed={len(bodies) - tally.ok} "
        f"prompt_tokens={tally.prompt_tokens} completion_tokens={tally.completion_tokens}"
    )
    return 0 if tally.ok == len(bodies) else 1


if __name__ == "__main__":
    sys.exit(main())
