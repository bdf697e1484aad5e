// Made-up labelled reviews for the trainer's tests: each sentence mixes filler words with a few
// words of its review's sentiment, so a small HAN learns the labels in a couple of epochs.
import { random } from './random.mjs';

const POSITIVE = [
  'wonderful',
  'superb',
  'moving',
  'charming',
  'brilliant',
  'delightful',
  'gripping',
];
const NEGATIVE = ['dull', 'awful', 'tedious', 'clumsy', 'boring', 'dreadful', 'lifeless'];
const FILLER = [
  'the',
  'film',
  'plot',
  'cast',
  'was',
  'and',
  'a',
  'story',
  'scene',
  'ending',
  'music',
  'with',
  'its',
  'director',
  'quite',
  'very',
];

export function makeReviews(count, seed) {
  const next = random(seed);
  const pick = (words) => words[Math.floor(next() * words.length)];
  return Array.from({ length: count }, (_, i) => {
    const positive = i % 2 === 0;
    const sentences = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
      const words = Array.from({ length: 4 + Math.floor(next() * 5) }, () => pick(FILLER));
      words.splice(Math.floor(next() * words.length), 0, pick(positive ? POSITIVE : NEGATIVE));
      return `${words.join(' ')}.`;
    });
    return [positive ? 'positive' : 'negative', sentences.join(' ')];
  });
}

export const toTsv = (rows) => rows.map(([label, text]) => `${label}\t${text}`).join('\n') + '\n';
