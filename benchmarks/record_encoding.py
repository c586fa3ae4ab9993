"""Time JSON libraries on the run folder's records: the standard library, ``orjson`` and ``msgspec``.

    python benchmarks/record_encoding.py [--records 5000] [--repeat 5]

The records are those a run of the dummy model on GSM8K writes (the 4-shot prompt, an answer
of about 2 KB): a prediction line and a review line per sample, made here the way the runner
makes them. Each library encodes them to one UTF-8 JSONL line each (non-ASCII text kept as
is, as the run folder stores it) and decodes the lines back; the script prints microseconds
per record (median of ``--repeat``) and checks that every library decodes what the others
wrote to equal values. A library that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any


def sample_records(count: int) -> list[dict[str, Any]]:
    """``count`` prediction and review records of the dummy model on GSM8K (count // 2 of each)."""
    from evalscope.models.custom.dummy_model import DummyCustomModel
    from evalscope.plugins import get_plugins

    benchmark = get_plugins().benchmarks.get("gsm8k").factory(options={}, seed=42)
    samples = benchmark.load("main")
    model = DummyCustomModel(config={"model_id": "dummy"})
    records = []
    for index in range(count // 2):
        sample = samples[index % len(samples)]
        prompt = benchmark.build_prompt(sample)
        response = model.predict([prompt], origin_inputs=[prompt], infer_cfg={})[0]
        records.append(
            {"sample_id": f"{index}", "cache_key": "9142ec759060dbd4f7cb338a", "model_id": "dummy"}
            | {"prompt": prompt, "response": response, "error": None, "time": time.time()}
        )
        records.append(
            {"sample_id": f"{index}", "prediction": "18", "gold": sample.target, "score": 0.0}
            | {"correct": False, "explanation": "no 'The answer is' marker; the last number", "error": None}
        )
    return records


def codecs() -> dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]]:
    """``name: (encode to one line of bytes, decode one line)`` for each installed library."""
    found = {
        "json": (lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8"), json.loads),
    }
    try:
        import orjson

        found["orjson"] = (orjson.dumps, orjson.loads)
    except ImportError:
        pass
    try:
        import msgspec

        encoder, decoder = msgspec.json.Encoder(), msgspec.json.Decoder()
        found["msgspec"] = (encoder.encode, decoder.decode)
    except ImportError:
        pass
    return found


def per_record_us(function: Callable[[Any], Any], items: list[Any], repeat: int) -> list[float]:
    """Microseconds per item of ``function`` over ``items``, once per repeat."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        times.append((time.perf_counter() - start) / len(items) * 1e6)
    return times


def main() -> None:
    """Time each library and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    records = sample_records(args.records)
    found = codecs()
    reference = [found["json"][0](record) for record in records]
    size = sum(len(line) for line in reference) / len(records)
    print(f"{len(records)} records, {size:,.0f} bytes per line on average; median (min-max) of {args.repeat}")
    print("| library | encode us/record | decode us/record |")
    print("| --- | ---: | ---: |")
    for name, (encode, decode) in found.items():
        lines = [encode(record) for record in records]
        if [json.loads(line) for line in lines] != [decode(line) for line in reference]:
            raise SystemExit(f"{name} does not round-trip the records as the standard library does")
        encoded = per_record_us(encode, records, args.repeat)
        decoded = per_record_us(decode, lines, args.repeat)
        print(
            f"| {name} | {statistics.median(encoded):.1f} ({min(encoded):.1f}-{max(encoded):.1f}) "
            f"| {statistics.median(decoded):.1f} ({min(decoded):.1f}-{max(decoded):.1f}) |"
        )


if __name__ == "__main__":
    main()
