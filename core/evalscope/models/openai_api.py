"""The default model: any OpenAI-compatible API (vLLM, SGLang, llama.cpp's server, Ollama, hosted APIs).

One ``aiohttp`` session per run, created inside the runner's event loop, with a connection
pool as large as the number of requests in flight (``eval_batch_size``). Before the first
request, ``GET {base}/models`` checks that the server serves ``model`` (``check_model``).
Each prompt is one request; a failed attempt (connection error, HTTP 429/5xx, a 200 answer
with invalid JSON, no choices or no text, a stream that ended before a ``finish_reason``) is
retried with exponential backoff and jitter, honouring ``Retry-After``; a timeout (``timeout``
seconds of silence) is retried at most ``timeout_retries`` times. A sample that still fails
raises ``APIRequestError``, which the runner records as that sample's error. Connection
failures across all samples feed a circuit breaker (``evalscope.models.breaker``): a server
that stopped answering raises ``APIStoppedError``, which stops the run.

``generation_config`` maps to the API's names: ``max_new_tokens`` -> ``max_tokens``,
``num_return_sequences`` -> ``n``; ``do_sample=False`` sends ``temperature=0`` unless a
temperature is given (``do_sample`` itself is never sent); ``extra_body`` (a dict) is merged
into the request body; every other key (``temperature``, ``top_p``, ``stop``, ``n``,
``seed``, ``top_k``, ``repetition_penalty``, ...) is sent as it is; a key set to ``None``
is not sent. Neither may set ``model``, ``messages``, ``prompt`` or ``stream`` (nor may the
``extra_body`` of ``--model-args``): that is a ``ConfigError`` before any request.

The API key is sent only in the ``Authorization`` header: it is kept out of ``self.config``,
and removed from every error message.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from evalscope.errors import APIStoppedError, ModelError
from evalscope.models.api_options import OpenAIAPIOptions
from evalscope.models.api_requests import (
    FailedAttempt,
    backoff_delay,
    base_url,
    check_extra_body,
    connection_failure,
    describe_exception,
    endpoint_urls,
    env_proxy,
    join_stream,
    prompt_text,
    request_params,
    retry_after_seconds,
    server_message,
    snippet,
)
from evalscope.models.base import AsyncModel
from evalscope.models.driver import response_problem
from evalscope.models.endpoints import Endpoint, Endpoints
from evalscope.utils.logger import add_secret, get_logger, redact
from evalscope.utils.secrets import is_secret_name, redact_url, url_secrets
from evalscope.utils.validation import parse_model

logger = get_logger()

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
FATAL_STATUSES = {
    401: "the API rejected the key (HTTP 401: {body}); check {key_source}",
    403: "the API refused access (HTTP 403: {body}); check the key's permissions",
    404: "the API answered HTTP 404 ({body}); check --api-url (the base URL, e.g. http://host:8000/v1) and --model",
}
STREAM_CUT = (
    "the stream ended before the answer finished (no finish_reason); the server may cut off streams when "
    "several are in flight: try without --stream or with --eval-batch-size 1"
)
NO_FINISH_REASON = (
    "the server does not say whether its answers finished (no finish_reason); "
    "answers cut off by max_tokens cannot be told from whole ones"
)
MODEL_CHECK_TIMEOUT = 30.0  # seconds; a server whose model list does not come in time is not checked
MAX_WARNINGS = 5


class APIRequestError(Exception):
    """One sample's request failed after its retries (the message says why; it never holds the key)."""


class OpenAIAPIModel(AsyncModel):
    """A model served through an OpenAI-compatible API; ``agenerate`` answers one prompt per request.

    ``config`` holds the options of ``OpenAIAPIOptions``: ``model``, ``api_url``, ``api_key``,
    ``api_mode`` (``chat`` or ``completion``), ``timeout`` (seconds of silence: until the answer,
    or between streamed chunks), ``retries``, ``stream``, ``concurrency`` (the size of the
    connection pool), and from ``--model-args`` ``timeout_retries``, ``stream_usage``,
    ``check_model``, ``retry_backoff``, ``retry_max_backoff``, ``headers`` and ``extra_body``.
    ``retry_status`` says what is being retried (for the progress bar), or is None. ``label`` starts
    its log lines and errors about its options: the name it was registered under.
    """

    Options = OpenAIAPIOptions

    def __init__(self, config: dict | None = None, *, label: str = "api", **kwargs: Any) -> None:
        raw = dict(config or {})
        raw.update(kwargs)
        self.label = label
        options = parse_model(OpenAIAPIOptions, raw, f"{label} model", flag=("model_args",))
        check_extra_body(options.extra_body, "model_args")
        api_key = options.api_key.get_secret_value() if options.api_key is not None else None
        secret_headers = {name for name in options.headers if is_secret_name(name)}
        # Secrets stay out of self.config, so nothing that prints or saves the config can show them.
        public = options.model_dump(exclude={"api_key", "headers"})
        public["api_key"] = "***" if api_key else None
        public["headers"] = {k: "***" if k in secret_headers else v for k, v in options.headers.items()}
        super().__init__(config=public)
        self.options = options
        api_urls = [options.api_url] if isinstance(options.api_url, str) else list(dict.fromkeys(options.api_url))
        for secret in (api_key, *(options.headers[k] for k in secret_headers)):
            add_secret(secret)
        for url in api_urls:
            for secret in url_secrets(url):
                add_secret(secret)
        urls, self.mode = endpoint_urls(api_urls, options.api_mode)
        self.url = urls[0]
        self.endpoints = Endpoints(urls, [base_url(url) for url in urls], options.endpoint_cooldown, label=label)
        self._headers = {"Content-Type": "application/json", "Accept": "application/json", **options.headers}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._session: aiohttp.ClientSession | None = None
        # The timeout bounds silence (aiohttp's sock_read), not a whole answer: a long stream may go on.
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=options.timeout, sock_read=options.timeout)
        self._params_for: tuple[dict, dict] | None = None
        self._choices_asked = 1
        self._fatal: str | None = None
        self._warned: set[str] = set()
        self._noticed: set[str] = set()
        self._answered = 0
        self._checked: asyncio.Future | None = None
        self.retry_status: str | None = None

    def __repr__(self) -> str:
        urls = ", ".join(redact_url(endpoint.url) for endpoint in self.endpoints.all)
        return f"OpenAIAPIModel(model={self.options.model!r}, url={urls!r}, mode={self.mode!r})"

    async def agenerate(self, prompt: dict, infer_cfg: dict) -> dict:
        """Send one prompt and return the API's ``chat.completion`` (or ``text_completion``) answer.

        Raises ``APIRequestError`` when every attempt failed; ``ModelError`` when the API
        rejected the key, the URL or the model, does not serve ``model``, or could not be
        connected to before any answer; and ``APIStoppedError`` when the circuit breaker found
        that the API stopped answering. After a ``ModelError`` later calls fail at once, without
        a request. A bad ``generation_config`` raises ``ConfigError``.
        """
        if self._fatal is not None:
            raise ModelError(self._fatal)
        session = self._session
        if session is None or self._checked is None or not self._checked.done():
            session = await self._start()
        body = self._body(prompt, infer_cfg)
        options = self.options
        endpoints = self.endpoints
        attempts = options.retries + 1
        timeouts = 0
        refused: set[Endpoint] = set()  # endpoints this request could not connect to
        attempt = 0
        while True:
            endpoint = endpoints.pick(avoid=refused)
            if endpoint is None:
                raise self._stopped()
            unreachable = False
            endpoint.in_flight += 1
            try:
                answer = await self._attempt(session, endpoint, body)
                self._answered += 1
                endpoints.answered(endpoint)
                self.retry_status = None
                return answer
            except FailedAttempt as exc:
                failure = exc
            except asyncio.TimeoutError:
                timeouts += 1
                failure = FailedAttempt(self._timeout_reason(), short="timeout")
                failure.retryable = timeouts <= options.timeout_retries
            except aiohttp.ClientError as exc:
                short = connection_failure(exc)
                through = f" (through the proxy {redact_url(endpoint.proxy)})" if endpoint.proxy else ""
                failure = FailedAttempt(f"connection error: {describe_exception(exc)}{through}", short=short)
                unreachable = isinstance(exc, aiohttp.ClientConnectorError)
                # Only new connections that fail count: a server that drops one request is alive.
                if unreachable:
                    refused.add(endpoint)
                    if endpoints.connect_failed(endpoint, short) and endpoints.all_down():
                        raise self._stopped() from None
            finally:
                endpoint.in_flight -= 1
            reason = self._clean(failure.reason)
            if unreachable and endpoints.another(refused):  # another endpoint takes it now, as a new attempt
                logger.debug(f"{self.label}: {endpoint.shown} failed ({reason}); sending the request elsewhere")
                continue
            if not failure.retryable or attempt + 1 == attempts:
                message = reason if failure.fatal or attempt == 0 else f"{reason} (after {attempt + 1} attempts)"
                if unreachable and not self._answered:  # the server was never reached: every sample would fail
                    self._fatal = f"cannot reach the API at {redact_url(endpoint.url)}; is the server running?"
                    raise ModelError(f"{self._fatal} ({message})")
                if failure.fatal:  # shown once, by the run's error line
                    self._fatal = reason
                    raise ModelError(message)
                self._warn_once(f"a sample failed: {message}")
                raise APIRequestError(message)
            self.retry_status = f"retrying: {failure.short}, attempt {attempt + 2}/{attempts}"
            delay = backoff_delay(attempt, options.retry_backoff, options.retry_max_backoff, failure.retry_after)
            logger.debug(f"{self.label}: attempt {attempt + 1}/{attempts} failed ({reason}); retrying in {delay:.2f} s")
            attempt += 1
            await asyncio.sleep(delay)

    def _stopped(self) -> APIStoppedError:
        """The error that stops the run when no endpoint is left in the rotation; later calls fail at once."""
        self._fatal = self.endpoints.stopped_message()
        return APIStoppedError(self._fatal)

    def endpoint_answers(self, dataset: str) -> list[dict[str, Any]] | None:
        """With several endpoints, the answers each gave for ``dataset`` (``Endpoints.answers_for``); else None."""
        return self.endpoints.answers_for(dataset)

    async def aclose(self) -> None:
        """Close the connection pool; with several endpoints, log how many answers each gave."""
        shares = self.endpoints.shares()
        if shares:
            logger.info(f"{self.label}: answers per endpoint: {shares}")
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def _start(self) -> aiohttp.ClientSession:
        """Open the session and check the model once; concurrent first calls wait for the same check."""
        if self._checked is None:
            self._open_session()
            self._checked = asyncio.ensure_future(self._check_model())
        await asyncio.shield(self._checked)
        if self._session is None:  # closed (aclose) while the check ran
            raise ModelError(f"{self.label}: the model was closed")
        return self._session

    async def _check_model(self) -> None:
        """Check every endpoint: stop when ``GET {base}/models`` lists models and ``model`` is not one of them.

        A server without that endpoint, or whose answer is not a model list or does not come
        within ``MODEL_CHECK_TIMEOUT`` seconds, is not checked. With several endpoints, one that
        cannot be connected to leaves the rotation (it is tried again after its cool-down); when
        none can be, the run stops here.
        """
        if not self.options.check_model:
            return
        await asyncio.gather(*(self._check_endpoint(endpoint) for endpoint in self.endpoints.all))
        if self.endpoints.all_down():
            self._fatal = self.endpoints.stopped_message()
            raise ModelError(self._fatal)

    async def _check_endpoint(self, endpoint: Endpoint) -> None:
        options, session = self.options, self._session
        if session is None:  # closed (aclose) before the check
            return
        base = base_url(endpoint.url)
        try:
            timeout = aiohttp.ClientTimeout(total=min(MODEL_CHECK_TIMEOUT, options.timeout))
            async with session.get(f"{base}/models", proxy=endpoint.proxy, timeout=timeout) as response:
                data = await response.json(content_type=None) if response.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            logger.debug(f"{self.label}: GET {endpoint.shown}/models failed ({self._clean(describe_exception(exc))})")
            if isinstance(exc, aiohttp.ClientConnectorError):
                self.endpoints.connect_failed(endpoint, connection_failure(exc))
            return
        models = data.get("data") if isinstance(data, dict) else None
        served = [item["id"] for item in models or () if isinstance(item, dict) and isinstance(item.get("id"), str)]
        if not served or options.model in served or f"{options.model}:latest" in served:
            return
        self._fatal = (
            f"model {options.model!r} is not served at {endpoint.shown}; it serves: {', '.join(served[:20])}"
            f"{' ...' if len(served) > 20 else ''}"
        )
        raise ModelError(self._fatal)

    def _open_session(self) -> aiohttp.ClientSession:
        options = self.options
        connector = aiohttp.TCPConnector(limit=options.concurrency, limit_per_host=0, ttl_dns_cache=300)
        # The proxy settings (HTTP(S)_PROXY, NO_PROXY) are read once here: aiohttp's trust_env would
        # read them, and ~/.netrc, in a worker thread on every request.
        for endpoint in self.endpoints.all:
            endpoint.proxy = env_proxy(endpoint.url)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        proxies = sorted({redact_url(endpoint.proxy) for endpoint in self.endpoints.all if endpoint.proxy})
        urls = ", ".join(redact_url(endpoint.url) for endpoint in self.endpoints.all)
        logger.info(
            f"{self.label}: {options.model!r} at {urls} ({self.mode}"
            f"{', streaming' if options.stream else ''}), {options.concurrency} in flight, "
            f"timeout {options.timeout:g} s, {options.retries} {'retry' if options.retries == 1 else 'retries'}"
            f"{' via the proxy ' + ', '.join(proxies) if proxies else ''}"
        )
        return self._session

    def _body(self, prompt: dict, infer_cfg: dict) -> bytes:
        cached = self._params_for
        if cached is not None and cached[0] is infer_cfg:
            params = cached[1]
        else:
            params = {**self.options.extra_body, **request_params(infer_cfg)}
            self._params_for = (infer_cfg, params)
            asked = params.get("n")
            self._choices_asked = asked if isinstance(asked, int) else 1
        body: dict[str, Any] = {"model": self.options.model}
        if self.mode == "chat":
            body["messages"] = prompt["messages"]
        else:
            body["prompt"] = prompt_text(prompt)
        body.update(params)
        if self.options.stream:
            body["stream"] = True
            if self.options.stream_usage:
                body.setdefault("stream_options", {"include_usage": True})
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    async def _attempt(self, session: aiohttp.ClientSession, endpoint: Endpoint, body: bytes) -> dict:
        async with session.post(endpoint.url, data=body, proxy=endpoint.proxy) as response:
            self.endpoints.reached(endpoint)
            status = response.status
            if status != 200:
                text = await response.text(errors="replace")
                self._raise_for_status(status, text, response.headers.get("Retry-After"))
            streamed = self.options.stream and response.content_type == "text/event-stream"
            if streamed:
                data = await join_stream(response, self.mode)
            else:
                raw = await response.read()
                try:
                    data = json.loads(raw)
                except ValueError:
                    raise FailedAttempt(f"the answer is not valid JSON: {snippet(raw)}") from None
        if streamed and (not data["choices"] or any(c["finish_reason"] is None for c in data["choices"])):
            raise FailedAttempt(STREAM_CUT, short="stream cut off")
        problem = response_problem(data, self.mode)
        if problem:
            raise FailedAttempt(problem)
        choices = data["choices"]
        if choices[0].get("finish_reason") is None:
            self._notice_once(NO_FINISH_REASON)
        if len(choices) < self._choices_asked:
            self._notice_once(
                f"asked for n={self._choices_asked} choices per prompt, the server returned {len(choices)}: "
                "it does not support n (llama.cpp's server ignores it); only the choices it returned are kept"
            )
        return data

    def _timeout_reason(self) -> str:
        if self.options.stream:
            return f"the stream was silent for the timeout of {self.options.timeout:g} s"
        return f"no answer within the timeout of {self.options.timeout:g} s"

    def _raise_for_status(self, status: int, text: str, retry_after: str | None) -> None:
        if status in FATAL_STATUSES:
            message = FATAL_STATUSES[status].format(body=server_message(text), key_source=self.options.key_source)
            raise FailedAttempt(message, fatal=True)
        reason = f"HTTP {status}: {server_message(text)}"
        retryable = status in RETRY_STATUSES or status >= 500
        raise FailedAttempt(
            reason, retryable=retryable, retry_after=retry_after_seconds(retry_after), short=f"HTTP {status}"
        )

    def _clean(self, text: str) -> str:
        """``text`` on one line, with the API key and other secrets removed."""
        return redact(" ".join(text.split()))

    def _notice_once(self, message: str) -> None:
        """Log a warning about the server's behaviour once per run."""
        if message not in self._noticed:
            self._noticed.add(message)
            logger.warning(f"{self.label}: {message}")

    def _warn_once(self, message: str) -> None:
        """Log each distinct failure once, up to ``MAX_WARNINGS`` of them."""
        if message in self._warned or len(self._warned) >= MAX_WARNINGS:
            return
        self._warned.add(message)
        more = "; further failures are recorded in predictions only" if len(self._warned) == MAX_WARNINGS else ""
        logger.warning(f"{self.label}: {message}{more}")
