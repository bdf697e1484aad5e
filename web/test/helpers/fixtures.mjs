// Shared by the tests: the repository's fixture models and the native han CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const fixtureNames = [
  'gru_reset_after',
  'gru_reset_before',
  'lstm',
  'mixed',
  'unidirectional',
];
export const fixturePath = (name) => `${repo}tests/fixtures/${name}.han`;
export const fixtureBytes = (name) => new Uint8Array(readFileSync(fixturePath(name)));
export const expectedOutputs = (name) =>
  JSON.parse(readFileSync(`${repo}tests/fixtures/${name}.expected.json`, 'utf8'));

// Accents, emoji (with skin tone and ZWJ sequences), CJK, curly quotes, and an astral letter.
export const unicodeText =
  'Café crème brûlée, naïve façade! Alpha 🎬🍿 bravo 👍🏽 charlie 👩‍👩‍👧. ' +
  '東京は素晴らしい。 Zoë’s “quoted” delta — echo? 𝒳 foxtrot.';

// The native CLI: $HAN_CLI (scripts/test.sh points it at the one it built, which must exist),
// else build/han when it is built, else null.
const cliPath = process.env.HAN_CLI ?? `${repo}build/han`;
if (process.env.HAN_CLI && !existsSync(cliPath)) throw new Error(`HAN_CLI: no ${cliPath}`);
export const nativeCli = existsSync(cliPath) ? cliPath : null;

export function nativePredict(name, text, options = []) {
  return JSON.parse(
    execFileSync(nativeCli, ['predict', '--format', 'json', ...options, fixturePath(name)], {
      input: text,
    }),
  );
}

// The message of the CLI's one-line error for a model file ("han: error: MESSAGE").
export function nativeLoadError(path) {
  try {
    execFileSync(nativeCli, ['predict', path], { input: '', stdio: 'pipe' });
  } catch (error) {
    return error.stderr.toString().trim().replace(`han: error: ${path}: `, '');
  }
  throw new Error(`han predict accepted ${path}`);
}

// A UTF-8 byte offset into text as a UTF-16 offset.
export function utf16Offset(text, byteOffset) {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

export function assertNear(actual, expected, tolerance, what) {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what}: ${actual} differs from ${expected} by more than ${tolerance}`);
  }
}

// Messages are the same up to numbers within 1e-5: probabilities in a message differ in the last
// digit between the native and the WebAssembly floating point.
export function assertSameMessage(actual, expected) {
  const number = /(\d+(?:\.\d+)?(?:e[-+]?\d+)?)/;
  const [a, e] = [actual.split(number), expected.split(number)];
  const words = (parts) => parts.filter((_, i) => i % 2 === 0);
  if (a.length !== e.length || words(a).join('#') !== words(e).join('#')) {
    throw new Error(`message ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`);
  }
  a.forEach((part, i) => i % 2 && assertNear(Number(part), Number(e[i]), 1e-5, `in ${actual}`));
}
