"""Reader and writer for the han model file format, version 1 (docs/model-format.md).

    write_han(path, config, vocab, tensors, golden)
    config, vocab, tensors, golden = read_han(path)

`tensors` maps the format's tensor names to numpy arrays (written as float32, row-major);
`expected_tensor_shapes(config)` gives the names and shapes a configuration requires. Only numpy
and the standard library are needed, so model converters can reuse this file as it is.
"""

import json
import struct
import zlib

import numpy as np

MAGIC = b"\x89HAN\r\n\x1a\n"
VERSION = 1
SECTION_TAGS = (b"CONF", b"VOCB", b"TENS", b"GOLD")
DTYPE_FLOAT32 = 1


class HanFileError(ValueError):
    pass


def _encoder_output_dim(encoder):
    concat = encoder.get("bidirectional", True) and encoder.get("merge", "concat") == "concat"
    return 2 * encoder["units"] if concat else encoder["units"]


def expected_tensor_shapes(config):
    """Tensor name -> shape tuple, exactly the set the loader requires for `config`."""
    shapes = {"embedding": (config["vocab_size"], config["embedding_dim"])}
    input_dim = config["embedding_dim"]
    for level in ("word", "sentence"):
        enc = config[level + "_encoder"]
        units = enc["units"]
        gates = {"gru": 3, "lstm": 4}[enc["cell"]]
        two_rows = enc["cell"] == "gru" and enc.get("reset_after", True)
        directions = ("fw", "bw") if enc.get("bidirectional", True) else ("fw",)
        for d in directions:
            prefix = "%s_encoder.%s." % (level, d)
            shapes[prefix + "kernel"] = (input_dim, gates * units)
            shapes[prefix + "recurrent_kernel"] = (units, gates * units)
            shapes[prefix + "bias"] = (2, 3 * units) if two_rows else (gates * units,)
        output_dim = _encoder_output_dim(enc)
        att = config[level + "_attention"]
        prefix = level + "_attention."
        shapes[prefix + "kernel"] = (output_dim, att["units"])
        if att.get("use_bias", True):
            shapes[prefix + "bias"] = (att["units"],)
        shapes[prefix + "context"] = (att["units"],)
        input_dim = output_dim  # the sentence encoder reads the word level's output
    labels = len(config["labels"])
    shapes["output.kernel"] = (input_dim, labels)
    shapes["output.bias"] = (labels,)
    return shapes


def _check_tensors(config, tensors):
    expected = expected_tensor_shapes(config)
    for name in sorted(set(expected) | set(tensors)):
        if name not in tensors:
            raise HanFileError("tensor %s: missing" % name)
        if name not in expected:
            raise HanFileError("tensor %s: not used by this configuration" % name)
        shape = tuple(np.shape(tensors[name]))
        if shape != expected[name]:
            raise HanFileError("tensor %s: expected %s, found %s" % (name, expected[name], shape))
        if not np.all(np.isfinite(tensors[name])):
            raise HanFileError("tensor %s: non-finite value" % name)


def _json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _section(tag, payload):
    return tag + struct.pack("<Q", len(payload)) + payload


def write_han(path, config, vocab, tensors, golden):
    """Writes a .han file. Tensors are converted to float32; their order is the dict's order."""
    if len(vocab) != config["vocab_size"]:
        raise HanFileError("vocabulary has %d words, vocab_size is %d"
                           % (len(vocab), config["vocab_size"]))
    _check_tensors(config, tensors)

    vocb = [struct.pack("<I", len(vocab))]
    for word in vocab:
        b = word.encode("utf-8")
        vocb.append(struct.pack("<I", len(b)) + b)

    tens = [struct.pack("<I", len(tensors))]
    for name, value in tensors.items():
        a = np.ascontiguousarray(value, dtype="<f4")
        n = name.encode("ascii")
        tens.append(struct.pack("<H", len(n)) + n + struct.pack("<BB", DTYPE_FLOAT32, a.ndim))
        tens.append(struct.pack("<%dI" % a.ndim, *a.shape) + a.tobytes())

    body = (_section(b"CONF", _json_bytes(config)) + _section(b"VOCB", b"".join(vocb)) +
            _section(b"TENS", b"".join(tens)) + _section(b"GOLD", _json_bytes(golden)))
    length = 24 + len(body) + 4
    data = MAGIC + struct.pack("<IIQ", VERSION, 4, length) + body
    data += struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(data)


class _Reader:
    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n):
        if n > len(self.data) - self.pos:
            raise HanFileError("%s: truncated at byte %d" % (self.what, self.pos))
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def done(self):
        if self.pos != len(self.data):
            raise HanFileError("%s: %d trailing bytes" % (self.what, len(self.data) - self.pos))


def read_han(path):
    """Parses and verifies a .han file; returns (config, vocab, tensors, golden)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28 or data[:8] != MAGIC:
        raise HanFileError("not a han model file (bad magic or too short)")
    version, count, length = struct.unpack_from("<IIQ", data, 8)
    if version != VERSION:
        raise HanFileError("format version %d, expected %d" % (version, VERSION))
    if length != len(data):
        raise HanFileError("header says %d bytes, file has %d" % (length, len(data)))
    (crc,) = struct.unpack_from("<I", data, length - 4)
    if crc != zlib.crc32(data[:length - 4]) & 0xFFFFFFFF:
        raise HanFileError("CRC-32 mismatch")

    sections = {}
    r = _Reader(data[24:length - 4], "sections")
    for _ in range(count):
        tag = r.take(4)
        (size,) = r.unpack("Q")
        if tag not in SECTION_TAGS or tag in sections:
            raise HanFileError("unexpected or repeated section %r" % tag)
        sections[tag] = r.take(size)
    r.done()
    if set(sections) != set(SECTION_TAGS):
        raise HanFileError("missing sections: %s" % sorted(set(SECTION_TAGS) - set(sections)))

    config = json.loads(sections[b"CONF"].decode("utf-8"))
    golden = json.loads(sections[b"GOLD"].decode("utf-8"))

    r = _Reader(sections[b"VOCB"], "VOCB")
    vocab = []
    for _ in range(r.unpack("I")[0]):
        (n,) = r.unpack("I")
        vocab.append(r.take(n).decode("utf-8"))
    r.done()
    if len(vocab) != config["vocab_size"] or len(set(vocab)) != len(vocab):
        raise HanFileError("VOCB: %d words (vocab_size %d), duplicates or wrong count"
                           % (len(vocab), config["vocab_size"]))

    r = _Reader(sections[b"TENS"], "TENS")
    tensors = {}
    for _ in range(r.unpack("I")[0]):
        (n,) = r.unpack("H")
        name = r.take(n).decode("ascii")
        dtype, rank = r.unpack("BB")
        if dtype != DTYPE_FLOAT32 or not 1 <= rank <= 4 or name in tensors:
            raise HanFileError("tensor %s: bad dtype, rank or repeated name" % name)
        shape = r.unpack("%dI" % rank)
        size = int(np.prod(shape))
        tensors[name] = np.frombuffer(r.take(4 * size), dtype="<f4").reshape(shape).copy()
    r.done()
    _check_tensors(config, tensors)
    return config, vocab, tensors, golden
