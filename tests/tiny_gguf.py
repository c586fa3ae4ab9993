"""A tiny llama-architecture GGUF model for tests of real engines, written with the ``gguf`` package.

Two layers, width 64, four attention heads, random float32 weights from a fixed seed, a
SentencePiece-style vocabulary (``<unk>``, ``<s>``, ``</s>``, the 256 byte tokens ``<0x00>`` ...
``<0xFF>``, the ChatML markers and a few hundred word pieces) and a ChatML chat template. Its
answers are gibberish; the server, tokenizer, sampling, streaming and response formats around
it are real. About 0.6 MB.
"""

from __future__ import annotations

import string
from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
WORD_TEXT = (
    "the of and to in is that for it as was with be by on not he this are or his from at which but have "
    "an they you were her she there all one their if we will what would so no how many much more answer "
    "number total each has had then than two three four five six seven eight nine ten hundred dollars "
    "hours days minutes"
)
WORDS = WORD_TEXT.split()
WIDTH = 64
LAYERS = 2
HEADS = 4
FEED_FORWARD = 128
CONTEXT = 2048


def vocabulary() -> tuple[list[str], list[int], list[float]]:
    """Tokens, their ``gguf.TokenType`` values and scores, in id order (0 ``<unk>``, 1 ``<s>``, 2 ``</s>``)."""
    from gguf import TokenType

    tokens = ["<unk>", "<s>", "</s>"]
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [TokenType.BYTE] * 256
    tokens += ["<|im_start|>", "<|im_end|>"]
    types += [TokenType.CONTROL, TokenType.CONTROL]
    pieces = ["\u2581"] + list(string.ascii_letters + string.digits + string.punctuation)
    pieces += [f"\u2581{letter}" for letter in string.ascii_lowercase + string.digits]
    pieces += [f"\u2581{word}" for word in WORDS]
    tokens += pieces
    types += [TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (len(tokens) - len(pieces)) + [-float(rank) for rank in range(len(pieces))]
    # Longer pieces score higher, so the tokenizer prefers whole words to letters.
    for index in range(len(tokens) - len(pieces), len(tokens)):
        scores[index] += 1000.0 * len(tokens[index])
    return tokens, [int(kind) for kind in types], scores


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    """Write the tiny model to ``path`` (same ``seed``, same bytes) and return ``path``."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(seed)
    tokens, types, scores = vocabulary()

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-test-llama")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(WIDTH)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(WIDTH // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores(scores)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    writer.add_tensor("token_embd.weight", weights(len(tokens), WIDTH))
    for layer in range(LAYERS):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{name}.weight", weights(WIDTH, WIDTH))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", weights(FEED_FORWARD, WIDTH))
        writer.add_tensor(f"{block}.ffn_up.weight", weights(FEED_FORWARD, WIDTH))
        writer.add_tensor(f"{block}.ffn_down.weight", weights(WIDTH, FEED_FORWARD))
    writer.add_tensor("output_norm.weight", np.ones(WIDTH, dtype=np.float32))
    writer.add_tensor("output.weight", weights(len(tokens), WIDTH))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
