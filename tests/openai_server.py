"""A small OpenAI-compatible server on 127.0.0.1 for tests and benchmarks, with fault injection.

It serves ``POST /v1/chat/completions`` and ``POST /v1/completions`` (streamed or not). The
answer to a prompt is ``answers[last user text]`` when given, else ``default_answer`` when
given, else the text itself (an echo).
Faults are rules matched against the prompt text::

    server.add_fault("status", match="Paris", times=2, status=500)
    server.add_fault("status", status=429, retry_after="0.2", times=1)
    server.add_fault("slow", delay=2.0)          # answers after 2 s
    server.add_fault("slow_chunks", delay=0.2)   # streams each chunk 0.2 s after the previous one
    server.add_fault("drop")                     # closes the connection without answering
    server.add_fault("bad_json") / ("empty_choices") / ("null_content")
    server.add_fault("status", status=400, message="...")  # {"error": {"message": ...}}
    server.add_fault("cut_stream", after=2)      # llama.cpp: `data: [DONE]` after 2 chunks, no finish_reason
    server.add_fault("no_finish_reason")         # a minimal server: answers without a finish_reason
    server.add_fault("ignore_n")                 # one choice, whatever `n` asks for
    server.add_fault("reasoning", reasoning="...", field="reasoning_content")  # a reasoning model

``times=None`` keeps the fault for ever.

Like real servers, it honours ``max_tokens`` (a word is a token: a longer answer is cut, with
``finish_reason: "length"``; a cut inside the reasoning leaves ``content: null``) and ``n``.
Server-wide behaviours of real servers are constructor options: ``models`` (the ids that
``GET /v1/models`` lists; None: no such endpoint, 404), ``sampling=True`` (llama.cpp's defaults:
each answer is random unless the request has ``temperature: 0`` and a ``seed``),
``stream_usage=False`` (a streaming server that ignores ``stream_options.include_usage``), and
``one_slot=True`` (llama.cpp's server with one slot: a request that arrives while a stream is
being sent ends that stream with ``data: [DONE]`` and no ``finish_reason``).

The server counts requests, the most it had in flight at once and, for each request, the prompts in
flight when it arrived (``in_flight_when``). In a test, use it as a
context manager (it runs in a background thread); for benchmarks, run
``python tests/openai_server.py --latency 0.05``: it prints ``READY <base url>`` and serves
until its standard input closes (with ``--until-terminated``, until SIGTERM: a stand-in engine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

FAULT_KINDS = (
    "status",
    "slow",
    "slow_chunks",
    "drop",
    "bad_json",
    "empty_choices",
    "null_content",
    "cut_stream",
    "no_finish_reason",
    "ignore_n",
    "reasoning",
)


@dataclass
class Fault:
    """A fault applied to the next ``times`` requests whose prompt contains ``match`` (None: all)."""

    kind: str
    match: str | None = None
    times: int | None = 1
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    message: str | None = None
    after: int = 1
    reasoning: str = "Let me think about this step by step."
    field: str = "reasoning_content"
    hits: int = 0

    def applies(self, text: str) -> bool:
        """Whether this fault takes the request with prompt ``text`` (and count it if so)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.match is not None and self.match not in text:
            return False
        self.hits += 1
        return True


@dataclass
class Stats:
    """What the server saw."""

    requests: int = 0
    streamed: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    bodies: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    in_flight_at_arrival: list[list[str]] = field(default_factory=list)
    prompts_in_flight: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class FakeOpenAIServer:
    """An OpenAI-compatible server answering from ``answers`` after ``latency`` seconds.

    With ``api_key`` set, a request without ``Authorization: Bearer <api_key>`` gets a 401
    whose body echoes the key it was sent (as some real APIs do).
    """

    def __init__(
        self,
        answers: dict[str, str] | None = None,
        latency: float = 0.0,
        api_key: str | None = None,
        keep_bodies: bool = True,
        default_answer: str | None = None,
        models: list[str] | None = None,
        sampling: bool = False,
        stream_usage: bool = True,
        one_slot: bool = False,
    ) -> None:
        self.answers = dict(answers or {})
        self.models = models
        self.sampling = sampling
        self.stream_usage = stream_usage
        self.one_slot = one_slot
        self._streams: set[asyncio.Event] = set()  # with one_slot: set to cut the stream in progress
        self.default_answer = default_answer
        self.latency = latency
        self.api_key = api_key
        self.keep_bodies = keep_bodies
        self.faults: list[Fault] = []
        self.stats = Stats()
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -- configuration -------------------------------------------------------------------

    def add_fault(self, kind: str, match: str | None = None, times: int | None = 1, **params: Any) -> Fault:
        """Add a fault rule (see the module docstring); returns it so a test can read ``hits``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        fault = Fault(kind, match, times, **params)
        self.faults.append(fault)
        return fault

    @property
    def base_url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def prompts(self) -> list[str]:
        """The prompt text of every request received, in order."""
        return [_prompt_text(body) for body in self.stats.bodies]

    def in_flight_when(self, text: str) -> list[list[str]]:
        """For each request whose prompt contains ``text``, the prompts of the requests in flight when it arrived."""
        return [
            others
            for body, others in zip(self.stats.bodies, self.stats.in_flight_at_arrival)
            if text in _prompt_text(body)
        ]

    def arrivals(self, text: str) -> list[float]:
        """When each request whose prompt contains ``text`` arrived (``time.monotonic()``)."""
        return [when for body, when in zip(self.stats.bodies, self.stats.times) if text in _prompt_text(body)]

    # -- the app -------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._completions)
        if self.models is not None:
            app.router.add_get("/v1/models", self._models)
        return app

    async def _models(self, request: web.Request) -> web.Response:
        self.stats.paths.append(request.path)
        data = [{"id": name, "object": "model", "owned_by": "llamacpp"} for name in self.models or ()]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, chat=True)

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, chat=False)

    async def _handle(self, request: web.Request, chat: bool) -> web.StreamResponse:
        stats = self.stats
        stats.requests += 1
        for cut in self._streams:
            cut.set()
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        text = None
        try:
            body = json.loads(await request.read())
            text = _prompt_text(body)
            stats.streamed += bool(body.get("stream"))
            if self.keep_bodies:
                stats.in_flight_at_arrival.append(list(stats.prompts_in_flight))
                stats.prompts_in_flight.append(text)
                stats.bodies.append(body)
                stats.paths.append(request.path)
                stats.auth.append(request.headers.get("Authorization"))
                stats.headers.append(dict(request.headers))
                stats.times.append(time.monotonic())
            if self.api_key is not None:
                sent = request.headers.get("Authorization", "")
                if sent != f"Bearer {self.api_key}":
                    error = {"error": {"message": f"Incorrect API key provided: {sent.removeprefix('Bearer ')}"}}
                    return web.json_response(error, status=401)
            fault = next((fault for fault in self.faults if fault.applies(text)), None)
            if self.latency:
                await asyncio.sleep(self.latency)
            if fault is not None:
                response = await self._fault(request, fault, body, text, chat)
                if response is not None:
                    return response
            return await self._answer(request, body, text, chat, fault)
        finally:
            stats.in_flight -= 1
            if self.keep_bodies and text is not None:
                stats.prompts_in_flight.remove(text)

    async def _fault(self, request: web.Request, fault: Fault, body: dict, text: str, chat: bool):
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
            message = fault.message if fault.message is not None else f"injected {fault.status}"
            error = {"error": {"code": fault.status, "message": message, "type": "invalid_request_error"}}
            return web.json_response(error, status=fault.status, headers=headers)
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            request.transport.close()  # the client sees the connection end before any answer
            return web.Response()
        if fault.kind == "bad_json":
            return web.Response(text='{"choices": [{"message": ', content_type="application/json")
        if fault.kind == "empty_choices":
            return web.json_response({"id": "x", "object": "chat.completion", "choices": []})
        if fault.kind == "null_content":
            choice = {"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}
            if not chat:
                choice = {"index": 0, "text": None, "finish_reason": "stop"}
            return web.json_response({"id": "x", "object": "chat.completion", "choices": [choice]})
        return None  # shapes the answer itself (see _answer)

    def _answer_text(self, body: dict, text: str) -> str:
        if self.sampling and not (body.get("temperature") == 0 and body.get("seed") is not None):
            return f"The answer is {random.randrange(10**9)}."  # llama.cpp's defaults: temperature 0.8, random seed
        if self.sampling:
            seeded = random.Random(f"{body['seed']}:{text}")
            return f"The answer is {seeded.randrange(10**9)}."
        return self.answers.get(text, self.default_answer if self.default_answer is not None else text)

    async def _answer(
        self, request: web.Request, body: dict, text: str, chat: bool, fault: Fault | None = None
    ) -> web.StreamResponse:
        kind = fault.kind if fault is not None else None
        thought = fault.reasoning.split(" ") if kind == "reasoning" else []
        words = self._answer_text(body, text).split(" ")
        finish: str | None = "stop"
        limit = body.get("max_tokens")
        if isinstance(limit, int) and len(thought) + len(words) > limit:
            finish = "length"
            thought, words = thought[:limit], words[: max(0, limit - len(thought))]
        answer = " ".join(words) if words else None  # all tokens spent on reasoning: content null, as vLLM sends
        if kind == "no_finish_reason":
            finish = None
        prompt_tokens = len(text.split()) or 1
        completion_tokens = len(thought) + len(words)
        self.stats.prompt_tokens += prompt_tokens
        self.stats.completion_tokens += completion_tokens
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        n = 1 if kind == "ignore_n" else int(body.get("n") or 1)
        model = body.get("model", "fake")  # echoed back, whatever it is (as llama.cpp's server does)
        created = int(time.time())
        reasoning = (fault.field, " ".join(thought)) if thought else None
        if body.get("stream"):
            return await self._stream(request, answer, reasoning, finish, usage, model, created, chat, body, fault)
        choices = []
        for index in range(n):
            if chat:
                message = {"role": "assistant", "content": answer}
                if reasoning:
                    message[reasoning[0]] = reasoning[1]
                choices.append({"index": index, "message": message, "finish_reason": finish})
            else:
                choices.append({"index": index, "text": answer, "finish_reason": finish})
        kind_name, prefix = ("chat.completion", "chatcmpl") if chat else ("text_completion", "cmpl")
        data = {"id": f"{prefix}-1", "object": kind_name, "created": created, "model": model, "choices": choices}
        data["usage"] = usage
        return web.json_response(data)

    async def _stream(
        self, request, answer, reasoning, finish, usage, model, created, chat, body, fault
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": created, "model": model}
        deltas: list[dict] = []
        if reasoning:
            words = reasoning[1].split(" ")
            deltas += [{reasoning[0]: word if i == 0 else " " + word} for i, word in enumerate(words)]
        if answer is not None:
            words = answer.split(" ")
            deltas += [{"content": word if i == 0 else " " + word} for i, word in enumerate(words)]
        cut_after = fault.after if fault is not None and fault.kind == "cut_stream" else None
        gap = fault.delay if fault is not None and fault.kind == "slow_chunks" else 0.0
        taken = asyncio.Event()
        if self.one_slot:
            self._streams.add(taken)
        for i, delta in enumerate(deltas):
            if gap:
                await asyncio.sleep(gap)
            if taken.is_set():
                cut_after = i
            if cut_after is not None and i == cut_after:
                break  # llama.cpp: the slot was taken by another request; the stream just ends
            last = i == len(deltas) - 1
            choice_finish = finish if last and cut_after is None else None
            if chat:
                choice = {"index": 0, "delta": {"role": "assistant", **delta} if i == 0 else delta}
            else:
                choice = {"index": 0, "text": delta.get("content", "")}
            choice["finish_reason"] = choice_finish
            await response.write(f"data: {json.dumps({**base, 'choices': [choice]})}\n\n".encode())
        wants_usage = (body.get("stream_options") or {}).get("include_usage")
        if wants_usage and self.stream_usage and cut_after is None:
            await response.write(f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode())
        self._streams.discard(taken)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    # -- running -------------------------------------------------------------------------

    async def start_async(self, port: int = 0) -> None:
        """Start serving in the running event loop."""
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop_async(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start(self, port: int = 0) -> FakeOpenAIServer:
        """Serve from a background thread with its own event loop (on ``port``; 0: a free one)."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            loop = self._loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start_async(port))
            ready.set()
            loop.run_forever()
            pending = asyncio.all_tasks(loop)  # handlers still sleeping (slow faults)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-openai-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake OpenAI server did not start")
        return self

    def stop(self) -> None:
        """Stop the background server."""
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop_async(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _prompt_text(body: dict) -> str:
    """The last user message of a chat body, or the prompt of a completions body."""
    if "messages" in body:
        for message in reversed(body["messages"]):
            if message.get("role") == "user":
                return str(message.get("content", ""))
        return ""
    prompt = body.get("prompt", "")
    return prompt if isinstance(prompt, str) else str(prompt)


# A GSM8K-style solution of typical length, the answer of the benchmark server to every prompt.
BENCHMARK_ANSWER = (
    "Natalia sold 48 clips in April. In May she sold half as many, so 48 / 2 = 24 clips. "
    "Altogether she sold 48 + 24 = 72 clips in April and May. Each clip earns her $2, "
    "so over the two months she earned 72 * 2 = $144, and after spending $72 on supplies "
    "she keeps 144 - 72 = $72. The question asks for the clips, which is 72.\nThe answer is 72."
)


async def _serve(
    port: int,
    latency: float,
    answer: str | None,
    api_key: str | None = None,
    models: list[str] | None = None,
    until_terminated: bool = False,
) -> None:
    server = FakeOpenAIServer(latency=latency, keep_bodies=False, default_answer=answer, api_key=api_key, models=models)
    await server.start_async(port)
    print(f"READY {server.base_url}", flush=True)
    loop = asyncio.get_running_loop()
    if until_terminated:  # as an engine runs: until SIGTERM or SIGINT
        import signal

        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    else:
        await loop.run_in_executor(None, sys.stdin.read)  # serve until stdin closes
    stats = server.stats
    print(f"SERVED requests={stats.requests} max_in_flight={stats.max_in_flight} streamed={stats.streamed}", flush=True)
    await server.stop_async()


def main() -> None:
    """Run the server in the foreground (for benchmarks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each answer")
    parser.add_argument("--answer", default=BENCHMARK_ANSWER, help="the answer to every prompt")
    parser.add_argument("--echo", action="store_true", help="answer each prompt with its own text")
    parser.add_argument("--api-key", help="answer only requests with this key (others get 401)")
    parser.add_argument("--model", action="append", help="a model id that GET /v1/models lists (repeatable)")
    parser.add_argument("--until-terminated", action="store_true", help="serve until SIGTERM, not until stdin closes")
    args = parser.parse_args()
    answer = None if args.echo else args.answer
    asyncio.run(_serve(args.port, args.latency, answer, args.api_key, args.model, args.until_terminated))


if __name__ == "__main__":
    main()
