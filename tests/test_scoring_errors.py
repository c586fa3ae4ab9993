"""A scorer that cannot grade one sample (``ScoringError``) fails that sample, not the run; secrets in
``--dataset-args`` stay out of the saved config."""

from __future__ import annotations

from evalscope import TaskConfig
from evalscope.benchmarks import Sample
from evalscope.errors import ScoringError
from evalscope.report import subset_result
from evalscope.runner import score_sample
from evalscope.scorers import Score, Scorer


class FailsOnB(Scorer):
    """Grades 'A' as right and cannot grade 'B'."""

    def score(self, completion, sample):
        """Raise ``ScoringError`` for the answer 'B'."""
        if completion == "B":
            raise ScoringError("the judge did not answer")
        return Score(float(completion == sample.target), completion, sample.target)


def test_a_scoring_error_is_recorded_on_its_sample_and_counted_as_an_error():
    samples = [Sample(id=str(i), input="q", target="A") for i in range(3)]
    records = [{"completion": answer, "error": None, "response": None} for answer in ("A", "B", "C")]
    reviews = [score_sample(FailsOnB(), sample, record) for sample, record in zip(samples, records)]
    assert [review["error"] for review in reviews] == [None, "scoring failed: the judge did not answer", None]
    assert (reviews[1]["completion"], reviews[1]["score"], reviews[1]["correct"]) == ("B", 0.0, False)
    result = subset_result("main", reviews)
    assert (result["num"], result["score"], result["errors"]) == (2, 0.5, 1)


def test_secrets_in_dataset_args_are_redacted_in_the_saved_config():
    config = TaskConfig(
        model_plugin="dummy",
        datasets=["general_qa"],
        dataset_args={"general_qa": {"judge": {"api_key": "sk-judge-1234", "model": "m"}}},
    )
    saved = config.safe_dict()
    assert saved["dataset_args"] == {"general_qa": {"judge": {"api_key": "***", "model": "m"}}}
    assert "sk-judge-1234" not in str(saved)
