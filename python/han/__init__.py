"""Hierarchical Attention Networks on raw text: the han-wasm C++ core in Python.

    import han
    model = han.load("models/imdb-sentiment.han")
    print(model.predict("A wonderful film. I loved it!")["label"])

Predictions have the structure of `han predict`'s JSON, with offsets in code points, so
``text[word["start"]:word["end"]]`` is the word. docs/python.md has the whole API.
"""

import json
import os
import warnings
from collections.abc import Mapping

from ._core import Model, ModelError
from . import _core

__all__ = ["load", "convert", "Model", "ModelError", "DEFAULT_LIMITS"]

#: Every limit and its default. The model limits (file bytes, parameters, vocabulary, dimension,
#: labels) bound what a file may ask for and can only be lowered; the input limits bound what one
#: prediction reads (0 for no limit), past which the prediction says "truncated".
DEFAULT_LIMITS = _core.default_limits()


def _limits(limits):
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        raise TypeError(f"limits must be a mapping of limit names to integers, not {type(limits).__name__}")
    for name, value in limits.items():
        if name not in DEFAULT_LIMITS:
            raise ValueError(f"limits: unknown limit {name!r} (known: {', '.join(DEFAULT_LIMITS)})")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"limits: {name} must be an integer, got {value!r}")
    return dict(limits)


def _is_bytes(source):
    return isinstance(source, (bytes, bytearray, memoryview))


def load(source, *, limits=None, verify=True):
    """Loads a model file from a path or from its bytes.

    limits: a mapping of names in DEFAULT_LIMITS to integers. verify=False skips the golden
    test cases stored in the file. Raises ModelError with the loader's one-line message.
    """
    checked = _limits(limits)
    if _is_bytes(source):  # bytes() of a memoryview: contiguous, whatever its strides
        return _core.load_bytes(bytes(source) if isinstance(source, memoryview) else source,
                                checked, verify)
    if isinstance(source, (str, os.PathLike)):
        return _core.load_file(os.fspath(source), checked, verify)
    raise TypeError(f"load: expected a path or bytes, not {type(source).__name__}")


def _json_text(value, what):
    """A dict as JSON text, or the text of a JSON file at a path."""
    if isinstance(value, Mapping):
        return json.dumps(value)
    if isinstance(value, (str, os.PathLike)):
        try:
            with open(value, encoding="utf-8") as file:
                return file.read()
        except OSError as e:
            raise ModelError(f"cannot read {what} {os.fspath(value)!r}: {e.strerror}") from None
    raise TypeError(f"convert: {what} must be a dict or a path, not {type(value).__name__}")


def convert(weights, config, *, base_dir=None, ignore_extra=False, check=None, limits=None):
    """Converts a HAN trained in PyTorch or Keras (docs/convert.md), as `han convert` does.

    weights: a safetensors file's path or bytes; config: the converter's configuration as a dict
    or a path to its JSON; base_dir resolves its "vocabulary_file" (default: the configuration's
    directory, or the current one for a dict); check: the framework's outputs (the JSON of
    `han convert --check`, a dict or a path), which the result must reproduce. Returns the Model,
    whose save(path) writes the model file. Warns about unused tensors (with ignore_extra) and
    vocabulary words the tokenizer never produces.
    """
    config_text = _json_text(config, "configuration")
    if base_dir is None:
        base_dir = os.path.dirname(os.fspath(config)) if not isinstance(config, Mapping) else ""
    reference = "" if check is None else _json_text(check, "reference")
    if not _is_bytes(weights):
        if not isinstance(weights, (str, os.PathLike)):
            raise TypeError(f"convert: weights must be a path or bytes, not {type(weights).__name__}")
        try:
            with open(weights, "rb") as file:
                weights = file.read()
        except OSError as e:
            raise ModelError(f"cannot read weights {os.fspath(weights)!r}: {e.strerror}") from None
    if isinstance(weights, memoryview):
        weights = bytes(weights)
    model, ignored, unreachable = _core.convert(
        weights, config_text, os.fspath(base_dir), ignore_extra, reference, _limits(limits)
    )
    for name in ignored:
        warnings.warn(f"han.convert: ignored tensor {name}", stacklevel=2)
    if unreachable:
        warnings.warn(
            f"han.convert: {len(unreachable)} vocabulary words are never produced by the "
            f'tokenizer, e.g. "{unreachable[0]}" (see docs/convert.md)',
            stacklevel=2,
        )
    return model
