"""The reference ``DummyCustomModel`` of the custom-model guide.

It lives in the core because it is the guide's worked example and its import path,
``evalscope.models.custom.dummy_model``, must work with the core alone; the
``evalscope-dummy-model`` plugin registers it under the name ``dummy``.
"""

import time
from typing import List  # noqa: UP035 - the guide's code

from evalscope.models import CustomModel
from evalscope.utils.logger import get_logger

logger = get_logger()


class DummyCustomModel(CustomModel):
    """Answers every prompt with a fixed text that quotes the request messages."""

    def __init__(self, config: dict = {}, **kwargs):  # noqa: B006 - the guide's signature
        super(DummyCustomModel, self).__init__(config=config, **kwargs)  # noqa: UP008

    def make_request_messages(self, input_item: dict) -> list:
        """Make request messages for OpenAI API."""
        if input_item.get("messages"):
            return input_item["messages"]

        data: list = input_item["data"]
        if isinstance(data[0], tuple):  # for truthful_qa and hellaswag
            query = "\n".join("".join(item) for item in data)
            system_prompt = input_item.get("system_prompt")
        else:
            query = data[0]
            system_prompt = input_item.get("system_prompt")

        messages = []
        if system_prompt:
            messages.append({"role": "system", "content": system_prompt})
        messages.append({"role": "user", "content": query})
        return messages

    def predict(self, prompts: List[dict], **kwargs):  # noqa: UP006
        """Return one dummy chat.completion per input item."""
        original_inputs = kwargs.get("origin_inputs")
        infer_cfg = kwargs.get("infer_cfg")

        logger.debug(f"** Prompts: {prompts}")
        if original_inputs is not None:
            logger.debug(f"** Original inputs: {original_inputs}")
        if infer_cfg is not None:
            logger.debug(f"** Inference config: {infer_cfg}")

        responses = []
        for input_item in original_inputs:
            message = self.make_request_messages(input_item)
            response = f"Dummy response for prompt: {message}"
            res_d = {
                "choices": [{"index": 0, "message": {"content": response, "role": "assistant"}}],
                "created": time.time(),
                "model": self.config.get("model_id"),
                "object": "chat.completion",
                "usage": {"completion_tokens": 0, "prompt_tokens": 0, "total_tokens": 0},
            }
            responses.append(res_d)
        return responses
