"""Writes the reference HAN as an ONNX graph for onnxruntime-web (docs/benchmarks.md).

    /usr/bin/python3 bench/make_onnx.py DATA_DIR      # reads weights.{json,bin}, writes han.onnx

The graph is written by hand with onnx.helper: ONNX's GRU with linear_before_reset=1 is exactly
the GRU with reset_after=true, and its sequence_lens runs each sentence (and document) at its true
length in both directions, so a padded batch gives the same numbers as the ragged documents.

Inputs (D documents, S sentences, W words, zero-padded):
    ids               int32 [D, S, W]  word ids, 0 = padding
    word_lengths      int32 [D * S]    real words of each sentence (0 for a padding sentence)
    sentence_lengths  int32 [D]        real sentences of each document (>= 1)
Output: probabilities float32 [D, 2].
"""

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def read_weights(directory):
    with open(directory + "/weights.json") as f:
        manifest = json.load(f)
    data = np.fromfile(directory + "/weights.bin", dtype="<f4")
    weights = {}
    for t in manifest["tensors"]:
        rows, cols = t["shape"]
        start = t["offset"] // 4
        weights[t["name"]] = data[start:start + rows * cols].reshape(rows, cols)
    return weights


class Graph:
    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def constant(self, name, value):
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type, inputs, **attributes):
        self.count += 1
        output = "%s_%d" % (op_type.lower(), self.count)
        self.nodes.append(helper.make_node(op_type, inputs, [output], **attributes))
        return output

    # Keras GRU (kernel input x 3u, recurrent u x 3u, bias 2 x 3u; gate blocks z, r, h) ->
    # ONNX W [2, 3u, input], R [2, 3u, u], B [2, 6u]: the same gate order z, r, h.
    def bidirectional_gru(self, x, lengths, weights, prefix, units):
        w, r, b = [], [], []
        for direction in ("fw", "bw"):
            p = prefix + "." + direction + "."
            w.append(weights[p + "kernel"].T)
            r.append(weights[p + "recurrent_kernel"].T)
            b.append(weights[p + "bias"].reshape(-1))  # input bias, then recurrent bias
        y = self.op("GRU", [x, self.constant(prefix + ".W", np.stack(w)),
                            self.constant(prefix + ".R", np.stack(r)),
                            self.constant(prefix + ".B", np.stack(b)), lengths],
                    hidden_size=units, direction="bidirectional", linear_before_reset=1)
        return y  # [steps, 2, batch, units]

    # [steps, 2, batch, u] -> [batch, steps, 2u], forward states then backward ones.
    def concat_directions(self, y, units):
        batch_steps = self.op("Transpose", [y], perm=[2, 0, 1, 3])
        return self.op("Reshape", [batch_steps, self.constant(
            "shape_%d" % self.count, np.array([0, 0, 2 * units], dtype=np.int64))])

    # u_t = tanh(h_t W + b), s_t = u_t · c, alpha = softmax over the real steps, p = sum alpha h.
    def attention(self, h, mask, weights, prefix):
        u = self.op("Tanh", [self.op("Add", [
            self.op("MatMul", [h, self.constant(prefix + ".kernel", weights[prefix + ".kernel"])]),
            self.constant(prefix + ".bias", weights[prefix + ".bias"].reshape(-1))])])
        scores = self.op("Squeeze", [
            self.op("MatMul", [u, self.constant(prefix + ".context",
                                                weights[prefix + ".context"].reshape(-1, 1))]),
            self.constant(prefix + ".axis", np.array([2], dtype=np.int64))])
        masked = self.op("Where", [mask, scores,
                                   self.constant(prefix + ".minus_inf", np.float32(-1e9))])
        alpha = self.op("Softmax", [masked], axis=-1)
        row = self.op("Unsqueeze", [alpha, self.constant(prefix + ".row_axis",
                                                         np.array([1], dtype=np.int64))])
        pooled = self.op("MatMul", [row, h])  # [batch, 1, 2u]
        return self.op("Squeeze", [pooled, prefix + ".row_axis"])


def build(weights):
    g = Graph()
    units = weights["word_encoder.fw.recurrent_kernel"].shape[0]
    i64 = lambda *v: np.array(v, dtype=np.int64)

    # Word level, on the D * S sentences as one batch: [W, D * S, embedding].
    ids_shape = g.op("Shape", ["ids"])
    sentences = g.op("Reshape", ["ids", g.op("Concat", [
        g.constant("minus_one", i64(-1)),
        g.op("Slice", [ids_shape, g.constant("two", i64(2)), g.constant("three", i64(3))])],
        axis=0)])  # [D * S, W]
    vectors = g.op("Gather", [g.constant("embedding", weights["embedding"]), sentences])
    time_major = g.op("Transpose", [vectors], perm=[1, 0, 2])
    # A padding sentence runs one padding word; the sentence mask drops its result.
    lengths = g.op("Max", ["word_lengths", g.constant("one_i32", np.array([1], dtype=np.int32))])
    words = g.concat_directions(
        g.bidirectional_gru(time_major, lengths, weights, "word_encoder", units), units)
    word_mask = g.op("Not", [g.op("Equal", [sentences, g.constant("zero_i32",
                                                                  np.array(0, np.int32))])])
    sentence_vectors = g.attention(words, word_mask, weights, "word_attention")  # [D * S, 2u]

    # Sentence level: [S, D, 2u].
    by_document = g.op("Reshape", [sentence_vectors, g.op("Concat", [
        g.op("Slice", [ids_shape, g.constant("zero", i64(0)), g.constant("two_", i64(2))]),
        g.constant("width", i64(2 * units))], axis=0)])
    docs = g.concat_directions(g.bidirectional_gru(
        g.op("Transpose", [by_document], perm=[1, 0, 2]), "sentence_lengths", weights,
        "sentence_encoder", units), units)
    sentence_mask = g.op("Reshape", [
        g.op("Greater", ["word_lengths", "zero_i32"]),
        g.op("Slice", [ids_shape, "zero", "two_"])])
    document = g.attention(docs, sentence_mask, weights, "sentence_attention")
    logits = g.op("Add", [g.op("MatMul", [document, g.constant("output.kernel",
                                                               weights["output.kernel"])]),
                          g.constant("output.bias", weights["output.bias"].reshape(-1))])
    probabilities = g.op("Softmax", [logits], axis=-1)
    g.nodes.append(helper.make_node("Identity", [probabilities], ["probabilities"]))

    inputs = [helper.make_tensor_value_info("ids", TensorProto.INT32, ["D", "S", "W"]),
              helper.make_tensor_value_info("word_lengths", TensorProto.INT32, ["DS"]),
              helper.make_tensor_value_info("sentence_lengths", TensorProto.INT32, ["D"])]
    outputs = [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["D", 2])]
    graph = helper.make_graph(g.nodes, "han", inputs, outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="han-wasm bench/make_onnx.py")
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_onnx.py DATA_DIR")
    onnx.save(build(read_weights(sys.argv[1])), sys.argv[1] + "/han.onnx")


if __name__ == "__main__":
    main()
