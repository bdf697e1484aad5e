// Writes han model files (docs/model-format.md) for the tests that need models no fixture is:
// labels and words that hold markup, or sizes that pass the loader's checks but not the memory.
// It follows the format's specification, not the C++ writer, as tests/reference/hanfile.py does.

const MAGIC = [0x89, 0x48, 0x41, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a];
const DTYPES = { float32: 1, int8: 3 };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes) {
  let crc = ~0;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** [name, shape] of every tensor the configuration implies (docs/model-format.md, TENS). */
export function tensorShapes(config, labelCount) {
  const shapes = [['embedding', [config.vocab_size, config.embedding_dim]]];
  let input = config.embedding_dim;
  for (const level of ['word', 'sentence']) {
    const encoder = config[`${level}_encoder`];
    const gates = encoder.cell === 'gru' ? 3 : 4;
    const units = encoder.units;
    const twoBiasRows = encoder.cell === 'gru' && encoder.reset_after !== false;
    const bidirectional = encoder.bidirectional !== false;
    for (const direction of bidirectional ? ['fw', 'bw'] : ['fw']) {
      const prefix = `${level}_encoder.${direction}.`;
      shapes.push([`${prefix}kernel`, [input, gates * units]]);
      shapes.push([`${prefix}recurrent_kernel`, [units, gates * units]]);
      shapes.push([`${prefix}bias`, twoBiasRows ? [2, gates * units] : [gates * units]]);
    }
    const output = bidirectional && (encoder.merge ?? 'concat') === 'concat' ? 2 * units : units;
    const attention = config[`${level}_attention`];
    shapes.push([`${level}_attention.kernel`, [output, attention.units]]);
    if (attention.use_bias !== false) shapes.push([`${level}_attention.bias`, [attention.units]]);
    shapes.push([`${level}_attention.context`, [attention.units]]);
    input = output;
  }
  shapes.push(['output.kernel', [input, labelCount]]);
  shapes.push(['output.bias', [labelCount]]);
  return shapes;
}

/**
 * The file's bytes. `weights(name, shape)` gives a tensor's values as a Float32Array (float32
 * storage), or null for zeros; `int8` names tensors stored as int8, which are all zeros (scales
 * and values), so that a huge one costs only its bytes. Golden cases are given as they are stored.
 */
export function writeModel({
  config,
  labels,
  vocabulary,
  tokenizer = { lowercase: true },
  metadata = {},
  weights = () => null,
  int8 = [],
  golden = { tolerance: 1e-4, cases: [] },
}) {
  const encoder = new TextEncoder();
  const conf = encoder.encode(
    JSON.stringify({ architecture: 'han', ...config, labels, tokenizer, metadata }),
  );
  const words = vocabulary.map((word) => encoder.encode(word));
  const gold = encoder.encode(JSON.stringify(golden));
  const tensors = tensorShapes(config, labels.length).map(([name, dims]) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const dtype = int8.includes(name) ? 'int8' : 'float32';
    const bytes = dtype === 'int8' ? 4 * dims[0] + count : 4 * count;
    return { name: encoder.encode(name), dims, dtype, bytes, values: weights(name, dims) };
  });

  const vocabularyBytes = 4 + words.reduce((sum, w) => sum + 4 + w.length, 0);
  const tensorBytes =
    4 + tensors.reduce((sum, t) => sum + 2 + t.name.length + 2 + 4 * t.dims.length + t.bytes, 0);
  const sections = [conf.length, vocabularyBytes, tensorBytes, gold.length];
  const length = 24 + sections.reduce((sum, n) => sum + 12 + n, 0) + 4;

  const file = new Uint8Array(length);
  const view = new DataView(file.buffer);
  let at = 0;
  const u8 = (v) => (file[at++] = v);
  const u16 = (v) => (view.setUint16(at, v, true), (at += 2));
  const u32 = (v) => (view.setUint32(at, v, true), (at += 4));
  const u64 = (v) => (view.setBigUint64(at, BigInt(v), true), (at += 8));
  const bytes = (b) => (file.set(b, at), (at += b.length));
  const section = (tag, size) => (bytes(encoder.encode(tag)), u64(size));

  bytes(MAGIC);
  u32(1);
  u32(4);
  u64(length);
  section('CONF', conf.length);
  bytes(conf);
  section('VOCB', vocabularyBytes);
  u32(words.length);
  for (const word of words) {
    u32(word.length);
    bytes(word);
  }
  section('TENS', tensorBytes);
  u32(tensors.length);
  for (const t of tensors) {
    u16(t.name.length);
    bytes(t.name);
    u8(DTYPES[t.dtype]);
    u8(t.dims.length);
    t.dims.forEach(u32);
    if (t.values) t.values.forEach((v, i) => view.setFloat32(at + 4 * i, v, true));
    at += t.bytes;
  }
  section('GOLD', gold.length);
  bytes(gold);
  u32(crc32(file.subarray(0, at)));
  return file;
}
