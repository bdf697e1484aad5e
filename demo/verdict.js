// What the demo pages share to show a verdict: a probability as a percentage, and a row of the
// probabilities' list (the label, a bar, the value), built as text, never as HTML.
export const percent = (p) => `${(p * 100).toFixed(1)}%`;

export function probabilityRow(name, probability) {
  const row = document.createElement('li');
  const label = document.createElement('span');
  label.textContent = name;
  const bar = document.createElement('span');
  bar.className = 'bar';
  bar.style.setProperty('--p', probability);
  const value = document.createElement('span');
  value.textContent = percent(probability);
  row.append(label, bar, value);
  return row;
}
