"""The parts of the OpenAI API model that need no connection: the URLs it posts to, the request body it
builds from a ``generation_config``, the proxy it goes through, how it reads error answers, ``Retry-After``
and streamed events, and how long it waits between attempts (see ``evalscope.models.openai_api``)."""

from __future__ import annotations

import json
import random
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from evalscope.errors import ConfigError
from evalscope.models.driver import REASONING_FIELDS
from evalscope.models.generation import setting_name
from evalscope.utils.secrets import redact_url

SERVER_MESSAGE_LIMIT = 300
RESERVED_BODY_KEYS = ("model", "messages", "prompt", "stream")


class FailedAttempt(Exception):
    """One attempt failed; ``retryable`` says whether another may succeed."""

    def __init__(
        self,
        reason: str,
        retryable: bool = True,
        retry_after: float | None = None,
        fatal: bool = False,
        short: str = "invalid answer",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.short = short
        self.retryable = retryable and not fatal
        self.retry_after = retry_after
        self.fatal = fatal


def endpoint_url(api_url: str, api_mode: str) -> tuple[str, str]:
    """The URL to POST to and the API mode it implies.

    ``api_url`` may be a base URL (``http://host:8000/v1``), to which ``/chat/completions``
    (or ``/completions`` in completion mode) is added, or the endpoint's full URL, whose
    path then decides the mode.
    """
    if api_mode not in ("chat", "completion"):
        raise ConfigError(f"api_mode must be 'chat' or 'completion', got {api_mode!r}")
    parts = urlsplit(api_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"api_url {redact_url(api_url)!r} is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)")
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        if api_mode == "completion":
            raise ConfigError("api_url ends with /chat/completions but api_mode is 'completion'; give the base URL")
        mode = "chat"
    elif path.endswith("/completions"):
        mode = "completion"
    else:
        mode = api_mode
        path += "/chat/completions" if mode == "chat" else "/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), mode


def endpoint_urls(api_urls: list[str], api_mode: str) -> tuple[list[str], str]:
    """``endpoint_url`` of each of ``api_urls``, and the API mode they share (a ``ConfigError`` if they differ)."""
    found = [endpoint_url(url, api_mode) for url in api_urls]
    modes = {mode for _, mode in found}
    if len(modes) > 1:
        shown = ", ".join(f"{redact_url(url)} ({mode})" for url, mode in found)
        raise ConfigError(f"api_url: the URLs name different endpoints, chat and completion: {shown}")
    return [url for url, _ in found], found[0][1]


def base_url(url: str) -> str:
    """The API's base URL (``http://host:8000/v1``) of an endpoint URL from ``endpoint_url``."""
    parts = urlsplit(url)
    path = parts.path.removesuffix("/chat/completions").removesuffix("/completions")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def request_params(infer_cfg: dict[str, Any]) -> dict[str, Any]:
    """Map a ``generation_config`` to the body fields of an OpenAI request (see the module docstring)."""
    params: dict[str, Any] = {}
    config = dict(infer_cfg or {})
    do_sample = config.pop("do_sample", None)
    extra_body = config.pop("extra_body", None) or {}
    if not isinstance(extra_body, dict):
        raise ConfigError(f"generation_config: extra_body must be a mapping, got {type(extra_body).__name__}")
    check_extra_body(extra_body, "generation_config")
    given_as: dict[str, str] = {}
    for key, value in config.items():
        name = setting_name(key)
        if name in RESERVED_BODY_KEYS:
            hint = " (use --stream)" if name == "stream" else ""
            raise ConfigError(f"generation_config: {key!r} is set by evalscope and cannot be given{hint}")
        if name in given_as:
            raise ConfigError(f"generation_config: give {given_as[name]!r} or {key!r}, not both")
        given_as[name] = key
        params[name] = value
    if do_sample is False and params.get("temperature") is None:
        params["temperature"] = 0.0
    params.update(extra_body)
    return {key: value for key, value in params.items() if value is not None}


def check_extra_body(extra_body: dict[str, Any], where: str) -> None:
    """Refuse an ``extra_body`` that would replace a field evalscope sets (``model``, ``messages``, ...)."""
    reserved = [key for key in RESERVED_BODY_KEYS if key in extra_body]
    if reserved:
        hint = " (use --stream)" if "stream" in reserved else ""
        names = ", ".join(repr(key) for key in reserved)
        raise ConfigError(f"{where}: extra_body cannot set {names}, which evalscope sets itself{hint}")


def prompt_text(prompt: dict[str, Any]) -> str:
    """The text sent to a text-completions endpoint: the system prompt (if any) and the query."""
    data = prompt.get("data")
    if isinstance(data, list) and data and isinstance(data[0], str):
        query = data[0]
    else:
        messages = prompt.get("messages") or []
        query = "\n\n".join(str(m.get("content", "")) for m in messages if m.get("role") != "system")
    system_prompt = prompt.get("system_prompt")
    return f"{system_prompt}\n\n{query}" if system_prompt else query


def env_proxy(url: str) -> str | None:
    """The proxy that the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``) sets for ``url``, or None.

    A loopback host (``localhost``, ``127.0.0.0/8``, ``::1``) never goes through a proxy.
    """
    import ipaddress
    from urllib.request import getproxies, proxy_bypass

    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    proxy = getproxies().get(parts.scheme)
    if not proxy or loopback or proxy_bypass(host):
        return None
    return proxy


def server_message(text: str, limit: int = SERVER_MESSAGE_LIMIT) -> str:
    """The readable part of an error answer: its ``error.message`` (or the text), on one line, cut to ``limit``."""
    message: Any = None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
        elif isinstance(error, str):
            message = error
        message = message or data.get("message") or data.get("detail")
    if not isinstance(message, str):
        message = text
    message = " ".join(message.split())
    return message if len(message) <= limit else message[:limit] + "..."


def connection_failure(exc: aiohttp.ClientError) -> str:
    """A short name for a failed connection: ``connection refused``, ``server disconnected``, ..."""
    import errno

    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server disconnected"
    os_error = getattr(exc, "os_error", None) if isinstance(exc, aiohttp.ClientConnectorError) else exc
    code = getattr(os_error, "errno", None)
    if code == errno.ECONNREFUSED:
        return "connection refused"
    if code == errno.ECONNRESET:
        return "connection reset"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "cannot connect"
    return "connection lost"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number, or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def backoff_delay(attempt: int, base: float, ceiling: float, retry_after: float | None) -> float:
    """Wait before retry ``attempt`` (0-based): exponential with jitter, or the server's Retry-After."""
    if retry_after is not None:
        return min(retry_after, ceiling)
    exponential = min(ceiling, base * (2**attempt))
    return exponential / 2 + random.uniform(0, exponential / 2)


async def join_stream(response: aiohttp.ClientResponse, mode: str) -> dict:
    """Join the server-sent events of a streamed answer (``mode`` ``chat`` or ``completion``) into one
    non-streamed answer."""
    texts: dict[int, list[str]] = {}
    reasoning: dict[int, dict[str, list[str]]] = {}
    finish: dict[int, Any] = {}
    result: dict[str, Any] = {}
    async for line in response.content:
        line = line.strip()
        if not line.startswith(b"data:"):
            continue
        payload = line[5:].strip()
        if payload == b"[DONE]":
            break
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise FailedAttempt(f"a streamed event is not valid JSON: {snippet(payload)}") from None
        if not isinstance(chunk, dict):
            continue
        for key in ("id", "created", "model", "system_fingerprint"):
            if key in chunk:
                result[key] = chunk[key]
        if chunk.get("usage"):
            result["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or ():
            index = choice.get("index", 0)
            piece = choice.get("delta", {}) if mode == "chat" else choice
            text = piece.get("content") if mode == "chat" else piece.get("text")
            if text:
                texts.setdefault(index, []).append(text)
            else:
                texts.setdefault(index, [])
            if mode == "chat":
                for name in REASONING_FIELDS:
                    thought = piece.get(name)
                    if thought:
                        reasoning.setdefault(index, {}).setdefault(name, []).append(thought)
            if choice.get("finish_reason") is not None:
                finish[index] = choice["finish_reason"]
    choices = []
    for index in sorted(texts):
        text = "".join(texts[index])
        if mode == "chat":
            message: dict[str, Any] = {"role": "assistant", "content": text}
            for name, pieces in reasoning.get(index, {}).items():
                message[name] = "".join(pieces)
            choices.append({"index": index, "message": message, "finish_reason": finish.get(index)})
        else:
            choices.append({"index": index, "text": text, "finish_reason": finish.get(index)})
    result["object"] = "chat.completion" if mode == "chat" else "text_completion"
    result["choices"] = choices
    return result


def snippet(raw: bytes | str, limit: int = 200) -> str:
    """``raw`` on one line, cut to ``limit`` characters, quoted: what an error shows of an invalid answer."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


def describe_exception(exc: BaseException) -> str:
    """``TypeName: message`` of ``exc`` (its type alone when it has no message)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
