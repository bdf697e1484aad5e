#!/usr/bin/python3
"""Turns a Keras HAN saved as HDF5 (.h5, from model.save or model.save_weights) into the
safetensors file and JSON configuration that `han convert` reads, so the C++ side needs no HDF5.

    /usr/bin/python3 scripts/keras_h5_to_safetensors.py han.h5 out/han --word-index word_index.json
    build/han convert out/han.safetensors out/han.json -o han.han

It expects the layer layout of keras-han-for-docla: layers named word_encoder (a
TimeDistributed word encoder holding a Bidirectional GRU or LSTM, and there or in a layer of its
own the Embedding), word_attention, sentence_encoder, sentence_attention and class_prediction
(--layer ROLE=NAME renames them). The attention layers are either W, b, u (Yang et al., with a
bias) or W and context_vector (no bias). docs/convert.md says what is read from where.

Keras stores the weights of a layer L under the group L (below model_weights/ in a model.save
file), lists them in order in the group's weight_names attribute, and names each dataset by the
weight's full name: "bidirectional_1/forward_gru_1/kernel:0", "word_attention/W:0", ... (with
a "gru_cell/" level in TF2). So a weight is recognised by its last name (kernel, W, ...), and its
direction by a "forward_" or "backward_" level. Needs h5py and numpy (Debian: python3-h5py).
"""

import argparse
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

ROLES = ("word_encoder", "word_attention", "sentence_encoder", "sentence_attention", "output")
DEFAULT_LAYERS = {"word_encoder": "word_encoder", "word_attention": "word_attention",
                  "sentence_encoder": "sentence_encoder",
                  "sentence_attention": "sentence_attention", "output": "class_prediction"}


class ConversionError(Exception):
    pass


def load_attribute_list(group, name):
    """A list-of-strings attribute; Keras splits long ones into name0, name1, ..."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while "%s%d" % (name, chunk) in group.attrs:
            values.extend(group.attrs["%s%d" % (name, chunk)])
            chunk += 1
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def layer_weights(root, layer):
    """[(path inside the layer group, float32 array)] in the layer's weight_names order."""
    group = root[layer]
    names = load_attribute_list(group, "weight_names")
    if not names:  # no attribute: every dataset below the group, in file order
        group.visit(lambda path: names.append(path) if isinstance(group[path], h5py.Dataset)
                    else None)
    return [(name, np.asarray(group[name][()], dtype=np.float32)) for name in names]


def base_name(path):
    return path.split("/")[-1].split(":")[0]


def direction(path):
    levels = path.split("/")[:-1]
    if any(level.startswith("forward_") for level in levels):
        return "forward"
    if any(level.startswith("backward_") for level in levels):
        return "backward"
    return None


def find_layer_config(model_config, name):
    """The config of the top-level layer `name` in a model_config JSON, or None."""
    layers = model_config.get("config", {}).get("layers", []) if model_config else []
    for layer in layers:
        if layer.get("name") == name or layer.get("config", {}).get("name") == name:
            return layer
    return None


def find_class(tree, classes):
    """The first {"class_name": one of classes, "config": ...} inside tree, depth first."""
    if isinstance(tree, dict):
        if tree.get("class_name") in classes and isinstance(tree.get("config"), dict):
            return tree
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    for child in children:
        found = find_class(child, classes)
        if found is not None:
            return found
    return None


def read_encoder(layer, weights, layer_config, input_dim, args):
    """Encoder settings and tensors {canonical name: array} from a recurrent layer's weights."""
    by_key = {}
    for path, value in weights:
        key = (direction(path), base_name(path))
        if key[1] not in ("kernel", "recurrent_kernel", "bias"):
            raise ConversionError("layer %s: unexpected weight %s" % (layer, path))
        if key in by_key:
            raise ConversionError("layer %s: two %s weights for the same direction (%s)"
                                  % (layer, key[1], path))
        by_key[key] = value
    directions = sorted({d for d, _ in by_key})
    if directions == ["backward", "forward"]:
        prefixes = {"forward": layer + "/forward/", "backward": layer + "/backward/"}
    elif directions == [None]:
        prefixes = {None: layer + "/"}
    else:
        raise ConversionError("layer %s: found weights for directions %s; expected forward and "
                              "backward (Bidirectional) or one direction" % (layer, directions))

    first = next(iter(prefixes))
    if (first, "recurrent_kernel") not in by_key or (first, "kernel") not in by_key:
        raise ConversionError("layer %s: no kernel and recurrent_kernel found" % layer)
    units, gates_units = by_key[(first, "recurrent_kernel")].shape
    gates = gates_units // units
    if gates not in (3, 4) or gates * units != gates_units:
        raise ConversionError("layer %s: recurrent_kernel %s is neither a GRU's nor an LSTM's"
                              % (layer, by_key[(first, "recurrent_kernel")].shape))
    cell = "gru" if gates == 3 else "lstm"
    rnn = find_class(layer_config, ("GRU", "LSTM"))
    rnn_config = rnn["config"] if rnn else {}
    if rnn and rnn["class_name"].lower() != cell:
        raise ConversionError("layer %s: model_config says %s, the weights are a %s"
                              % (layer, rnn["class_name"], cell.upper()))
    if rnn_config.get("activation", "tanh") != "tanh":
        raise ConversionError("layer %s: activation %s; only tanh is supported"
                              % (layer, rnn_config["activation"]))
    recurrent_activation = rnn_config.get("recurrent_activation", args.recurrent_activation)
    if recurrent_activation is None:
        raise ConversionError("the file has no model_config to tell the recurrent activation; "
                              "pass --recurrent-activation sigmoid (tf.keras) or hard_sigmoid "
                              "(Keras 2.x)")
    bidirectional = find_class(layer_config, ("Bidirectional",))
    merge = bidirectional["config"].get("merge_mode", "concat") if bidirectional else "concat"

    tensors = {}
    reset_after = None
    for d, prefix in prefixes.items():
        kernel, recurrent = by_key.get((d, "kernel")), by_key.get((d, "recurrent_kernel"))
        if kernel is None or recurrent is None:
            raise ConversionError("layer %s: the %s direction lacks a kernel or recurrent_kernel"
                                  % (layer, d))
        if kernel.shape != (input_dim, gates * units) or recurrent.shape != (units, gates * units):
            raise ConversionError("layer %s: kernel %s and recurrent_kernel %s do not fit input %d "
                                  "and %d units" % (layer, kernel.shape, recurrent.shape,
                                                    input_dim, units))
        bias = by_key.get((d, "bias"))
        if bias is None:  # use_bias=False: the same as a zero bias
            bias = np.zeros((2, 3 * units) if rnn_config.get("reset_after") else gates * units,
                            dtype=np.float32)
        if cell == "gru":
            reset_after = bias.shape == (2, 3 * units)
            if not reset_after and bias.shape != (3 * units,):
                raise ConversionError("layer %s: GRU bias %s, expected %d or 2x%d"
                                      % (layer, bias.shape, 3 * units, 3 * units))
        elif bias.shape != (4 * units,):
            raise ConversionError("layer %s: LSTM bias %s, expected %d"
                                  % (layer, bias.shape, 4 * units))
        tensors[prefix + "kernel"] = kernel
        tensors[prefix + "recurrent_kernel"] = recurrent
        tensors[prefix + "bias"] = bias
    settings = {"cell": cell, "units": int(units), "bidirectional": len(prefixes) == 2,
                "merge": merge, "recurrent_activation": recurrent_activation}
    if cell == "gru":
        settings["reset_after"] = bool(reset_after)
    out_dim = 2 * units if settings["bidirectional"] and merge == "concat" else units
    return settings, tensors, int(out_dim)


def read_attention(layer, weights, input_dim):
    by_name = {}
    for path, value in weights:
        name = base_name(path)
        if name not in ("W", "b", "u", "context_vector") or name in by_name:
            raise ConversionError("layer %s: unexpected weight %s (an attention layer has W, "
                                  "b and u, or W and context_vector)" % (layer, path))
        by_name[name] = value
    if "W" not in by_name or ("u" in by_name) == ("context_vector" in by_name):
        raise ConversionError("layer %s: expected W and one of u, context_vector; found %s"
                              % (layer, sorted(by_name)))
    kernel = by_name["W"]
    if kernel.ndim != 2 or kernel.shape[0] != input_dim:
        raise ConversionError("layer %s: W %s does not take inputs of %d"
                              % (layer, kernel.shape, input_dim))
    units = kernel.shape[1]
    tensors = {layer + "/W": kernel}
    if "b" in by_name:
        tensors[layer + "/b"] = by_name["b"]
    context = "u" if "u" in by_name else "context_vector"
    tensors[layer + "/" + context] = by_name[context].reshape(-1)
    return {"units": int(units), "use_bias": "b" in by_name, "activation": "tanh"}, tensors


def read_vocabulary(args, rows):
    if args.vocabulary:
        with open(args.vocabulary, encoding="utf-8") as f:
            words = f.read().split("\n")
        if words and words[-1] == "":
            words.pop()
    else:
        with open(args.word_index, encoding="utf-8") as f:
            index = json.load(f)
        if "config" in index and "word_index" in index["config"]:  # tokenizer.to_json()
            index = json.loads(index["config"]["word_index"])
        by_id = {i: w for w, i in index.items() if i < rows}
        missing = [i for i in range(1, rows) if i not in by_id]
        if missing:
            raise ConversionError("--word-index: no word has index %d (the embedding has %d rows)"
                                  % (missing[0], rows))
        words = ["<pad>"] + [by_id[i] for i in range(1, rows)]
        print("note: id 1 (%r) becomes the unknown word, as with Tokenizer(oov_token=...)"
              % words[1], file=sys.stderr)
    if len(words) != rows:
        raise ConversionError("the vocabulary has %d words, the embedding %d rows"
                              % (len(words), rows))
    return words


def convert(args):
    layers = dict(DEFAULT_LAYERS)
    for item in args.layer:
        role, _, name = item.partition("=")
        if role not in ROLES + ("embedding",) or not name:
            raise ConversionError("--layer %s: expected ROLE=NAME with ROLE one of %s"
                                  % (item, ", ".join(ROLES + ("embedding",))))
        layers[role] = name

    with h5py.File(args.h5, "r") as f:
        model_config = None
        if "model_config" in f.attrs:
            raw = f.attrs["model_config"]
            model_config = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        root = f["model_weights"] if "model_weights" in f else f
        layer_names = load_attribute_list(root, "layer_names")
        weights = {name: layer_weights(root, name) for name in layer_names}
        keras_version = f.attrs.get("keras_version", b"")
        keras_version = (keras_version.decode() if isinstance(keras_version, bytes)
                         else str(keras_version))

    for role in ROLES:
        if layers[role] not in weights:
            raise ConversionError("no layer named %s (the %s) in %s; its layers are %s"
                                  % (layers[role], role, args.h5, ", ".join(layer_names)))
    # The embedding: the one "embeddings" weight, in its own layer or inside the word encoder.
    embeddings = [(layer, path, value) for layer, ws in weights.items() for path, value in ws
                  if base_name(path) == "embeddings"
                  and ("embedding" not in layers or layer == layers["embedding"])]
    if len(embeddings) != 1:
        raise ConversionError("expected one Embedding weight, found %d" % len(embeddings))
    embedding_layer, embedding_path, embedding = embeddings[0]
    role_layers = {layers[r] for r in ROLES}
    for layer, ws in weights.items():
        if ws and layer not in role_layers and layer != embedding_layer:
            raise ConversionError("layer %s has weights but is not part of the HAN (use --layer "
                                  "ROLE=NAME to name the HAN's layers)" % layer)

    tensors = {"embedding/embeddings": embedding}
    config = {"convention": "keras", "embedding_dim": int(embedding.shape[1])}
    input_dim = embedding.shape[1]
    for level in ("word", "sentence"):
        encoder_layer = layers[level + "_encoder"]
        ws = [(p, v) for p, v in weights[encoder_layer] if p != embedding_path]
        settings, encoder_tensors, input_dim = read_encoder(
            level + "_encoder", ws, find_layer_config(model_config, encoder_layer), input_dim,
            args)
        config[level + "_encoder"] = settings
        tensors.update(encoder_tensors)
        settings, attention_tensors = read_attention(
            level + "_attention", weights[layers[level + "_attention"]], input_dim)
        config[level + "_attention"] = settings
        tensors.update(attention_tensors)

    dense = dict((base_name(p), v) for p, v in weights[layers["output"]])
    if sorted(dense) != ["bias", "kernel"] or dense["kernel"].shape[0] != input_dim:
        raise ConversionError("layer %s: expected a Dense kernel of %d rows and a bias"
                              % (layers["output"], input_dim))
    tensors["output/kernel"], tensors["output/bias"] = dense["kernel"], dense["bias"]
    dense_config = find_class(find_layer_config(model_config, layers["output"]), ("Dense",))
    activation = (dense_config["config"].get("activation") if dense_config
                  else args.output_activation)
    if activation not in ("softmax", "sigmoid"):
        raise ConversionError("layer %s: activation %s; expected softmax or sigmoid"
                              % (layers["output"], activation))
    config["output"] = {"activation": activation}
    num_labels = dense["kernel"].shape[1]
    labels = args.labels.split(",") if args.labels else [str(k) for k in range(num_labels)]
    if len(labels) != num_labels:
        raise ConversionError("--labels names %d labels, the output layer has %d"
                              % (len(labels), num_labels))
    config["labels"] = labels

    out_dir = os.path.dirname(os.path.abspath(args.out))
    words = read_vocabulary(args, embedding.shape[0])
    vocabulary_path = args.out + ".vocab.txt"
    with open(vocabulary_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(w + "\n" for w in words))
    config["vocabulary_file"] = os.path.relpath(os.path.abspath(vocabulary_path), out_dir)
    config["tokenizer"] = {"lowercase": not args.keep_case, "max_sentences": args.max_sentences,
                           "max_words_per_sentence": args.max_words}
    config["metadata"] = {"name": os.path.basename(args.out),
                          "source": "Keras " + (keras_version or "(version not recorded)") +
                          " .h5 via scripts/keras_h5_to_safetensors.py"}

    write_safetensors(args.out + ".safetensors", tensors)
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("h5", help="the Keras model (.h5 from model.save or save_weights)")
    p.add_argument("out", help="writes OUT.safetensors, OUT.json and OUT.vocab.txt")
    vocabulary = p.add_mutually_exclusive_group(required=True)
    vocabulary.add_argument("--vocabulary", help="one word per line; line i is the word of id i "
                            "(lines 0 and 1: padding and unknown)")
    vocabulary.add_argument("--word-index", help="a Keras Tokenizer's word_index as JSON (or "
                            "tokenizer.to_json()); index 1 becomes the unknown word")
    p.add_argument("--labels", help="label names, comma-separated (default 0, 1, ...)")
    p.add_argument("--layer", action="append", default=[], metavar="ROLE=NAME",
                   help="the layer playing ROLE (%s, embedding)" % ", ".join(ROLES))
    p.add_argument("--recurrent-activation", choices=("sigmoid", "hard_sigmoid"),
                   help="when the file has no model_config (save_weights)")
    p.add_argument("--output-activation", choices=("softmax", "sigmoid"), default="softmax",
                   help="when the file has no model_config (default softmax)")
    p.add_argument("--max-sentences", type=int, default=0, help="tokenizer limit (default none)")
    p.add_argument("--max-words", type=int, default=0, help="tokenizer limit (default none)")
    p.add_argument("--keep-case", action="store_true", help="do not lowercase words")
    args = p.parse_args(argv)
    try:
        convert(args)
    except (ConversionError, OSError, KeyError, ValueError) as e:
        print("keras_h5_to_safetensors: error: %s" % e, file=sys.stderr)
        return 1
    print("wrote %s.safetensors, %s.json and %s.vocab.txt" % (args.out, args.out, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
