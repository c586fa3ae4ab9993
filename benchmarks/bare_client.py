"""The baseline of ``api_throughput.py``: send prepared chat requests with N in flight and nothing else.

    python benchmarks/bare_client.py --url http://127.0.0.1:PORT/v1/chat/completions \\
        --bodies bodies.jsonl --concurrency 128 [--client aiohttp|httpx|openai]

``bodies.jsonl`` holds one JSON request body per line. The client checks that each answer
has ``choices``, prints ``ok=<count> failed=<count>``, and exits. It imports only the HTTP
client it uses, so its run time is what a minimal program needs for the same requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


async def run_aiohttp(url: str, bodies: list[bytes], concurrency: int) -> int:
    """Send ``bodies`` with aiohttp; returns how many answers had choices."""
    import aiohttp

    ok = 0
    pending = iter(bodies)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer EMPTY"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal ok
            for body in pending:
                async with session.post(url, data=body) as response:
                    data = json.loads(await response.read())
                ok += bool(data.get("choices"))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def run_httpx(url: str, bodies: list[bytes], concurrency: int) -> int:
    """Send ``bodies`` with httpx; returns how many answers had choices."""
    import httpx

    ok = 0
    pending = iter(bodies)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer EMPTY"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=120) as client:

        async def worker() -> None:
            nonlocal ok
            for body in pending:
                response = await client.post(url, content=body)
                ok += bool(json.loads(response.content).get("choices"))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def run_openai(url: str, bodies: list[bytes], concurrency: int) -> int:
    """Send ``bodies`` with the official ``openai`` SDK; returns how many answers had choices."""
    import openai

    ok = 0
    pending = iter(bodies)
    base_url = url.removesuffix("/chat/completions")
    client = openai.AsyncOpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=120)

    async def worker() -> None:
        nonlocal ok
        for body in pending:
            completion = await client.chat.completions.create(**json.loads(body))
            ok += bool(completion.choices)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await client.close()
    return ok


CLIENTS = {"aiohttp": run_aiohttp, "httpx": run_httpx, "openai": run_openai}


def main() -> int:
    """Run the bare client; the exit code is 1 if any answer lacked choices."""
    parser = argparse.ArgumentParser(description="Send prepared chat requests with N in flight.")
    parser.add_argument("--url", required=True, help="the /chat/completions URL")
    parser.add_argument("--bodies", required=True, help="JSONL file, one request body per line")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp")
    args = parser.parse_args()
    with open(args.bodies, "rb") as handle:
        bodies = [line.rstrip(b"\n") for line in handle if line.strip()]
    ok = asyncio.run(CLIENTS[args.client](args.url, bodies, args.concurrency))
    print(f"ok={ok} failed={len(bodies) - ok}")
    return 0 if ok == len(bodies) else 1


if __name__ == "__main__":
    sys.exit(main())
