import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, os.PathLike[str]]
_Bytes = Union[bytes, bytearray, memoryview]

class Word(TypedDict):
    text: str
    start: int  # code points: text[start:end] is the word
    end: int
    weight: float  # within its sentence; a sentence's word weights sum to 1
    id: int  # in the vocabulary (1: unknown)

class Sentence(TypedDict):
    text: str
    start: int
    end: int
    weight: float  # within the document; the sentence weights sum to 1
    words: list[Word]

class Prediction(TypedDict):
    label: str
    probabilities: dict[str, float]  # by label, in the model's label order
    truncated: bool  # a limit stopped the reading before the end of the text
    sentences: list[Sentence]

class IdsPrediction(TypedDict):
    probabilities: npt.NDArray[np.float32]
    sentence_weights: npt.NDArray[np.float32]
    word_weights: list[npt.NDArray[np.float32]]

class IntegratedGradients(TypedDict):
    steps: int
    baseline_probability: float  # p(label) with every word vector zero
    completeness_error: float  # |sum of word weights - (p(label) - baseline_probability)|

class Removal(TypedDict):
    words: int  # the k words erased (at most the document's)
    change: float  # p(label) minus p(label) without them (comprehensiveness at k)
    label: str  # the label predicted without them

class Explanation(Prediction, total=False):
    method: Literal[
        "attention", "word-attention", "sentence-attention", "occlusion", "gradient-input",
        "integrated-gradients"
    ]  # always present; each "weight" is this method's attribution for the predicted label
    integrated_gradients: IntegratedGradients  # integrated-gradients only
    comprehensiveness: Removal  # with top_words > 0

class ModelInfo(TypedDict):
    labels: list[str]
    vocabulary_size: int
    parameters: int
    config: dict[str, Any]
    tokenizer: dict[str, Any]
    metadata: dict[str, Any]
    input_limits: dict[str, int]

class ModelError(Exception):
    """A model file, conversion or check that failed; the message says what and where."""

class Model:
    def predict(self, text: str) -> Prediction: ...
    def predict_batch(self, texts: Iterable[str], threads: int | None = None) -> list[Prediction]: ...
    def probabilities(
        self, texts: Iterable[str], threads: int | None = None
    ) -> npt.NDArray[np.float32]: ...  # shape (len(texts), labels)
    def predict_ids(self, sentences: Iterable[Sequence[int] | npt.ArrayLike]) -> IdsPrediction: ...
    def explain(
        self, text: str, *, method: str = "attention", steps: int = 20, top_words: int = 0
    ) -> Explanation: ...
    @property
    def info(self) -> ModelInfo: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: str) -> None: ...

DEFAULT_LIMITS: dict[str, int]

def load(
    source: _Path | _Bytes, *, limits: Mapping[str, int] | None = None, verify: bool = True
) -> Model: ...
def convert(
    weights: _Path | _Bytes,
    config: _Path | Mapping[str, Any],
    *,
    base_dir: _Path | None = None,
    ignore_extra: bool = False,
    check: _Path | Mapping[str, Any] | None = None,
    limits: Mapping[str, int] | None = None,
) -> Model: ...
