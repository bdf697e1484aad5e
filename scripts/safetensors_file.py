"""Writing and reading the safetensors format by hand, with numpy and the standard library only
(no `safetensors` package): a u64 little-endian header length N, N bytes of JSON header, then
the raw little-endian data of every tensor, back to back.

    from safetensors_file import save_state_dict, write_safetensors, read_safetensors
    save_state_dict(model.state_dict(), "model.safetensors")     # a PyTorch model
    write_safetensors("weights.safetensors", {"name": numpy_array, ...})
    tensors, metadata = read_safetensors("weights.safetensors")
"""

import json
import struct

import numpy as np

DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
          np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint8"): "U8",
          np.dtype("bool"): "BOOL"}
NUMPY = {name: dtype for dtype, name in DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (float32, float16, float64, or integers), written in this
    order. metadata: optional dict of strings."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        a = np.asarray(value)
        if a.dtype not in DTYPES:
            raise ValueError("tensor %s: dtype %s has no safetensors name here" % (name, a.dtype))
        data = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces to keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def save_state_dict(state_dict, path, metadata=None):
    """A PyTorch state_dict (name -> tensor) as safetensors; tensors go through .numpy()."""
    write_safetensors(path, {name: t.detach().cpu().numpy() for name, t in state_dict.items()},
                      metadata)


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = NUMPY[entry["dtype"]].newbyteorder("<")
        tensors[name] = np.frombuffer(data[base + begin:base + end], dtype=dtype).reshape(
            entry["shape"]).copy()
    return tensors, metadata
