export interface ParsedLabels {
  labels: Record<string, string>;
  errors: string[];
}

const MAX_KEY = 128;
const MAX_VALUE = 512;

/**
 * Labels as typed in the start form: one `key=value` per line (blank lines ignored). Limits
 * are the API's, checked here so the form can say which line is wrong.
 */
export function parseLabels(text: string): ParsedLabels {
  const labels: Record<string, string> = {};
  const errors: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const eq = line.indexOf('=');
    if (eq === -1) {
      errors.push(`${where}: write key=value`);
      return;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === '') errors.push(`${where}: the key is empty`);
    else if (key.length > MAX_KEY) errors.push(`${where}: the key is longer than ${MAX_KEY} characters`);
    else if (value.length > MAX_VALUE)
      errors.push(`${where}: the value is longer than ${MAX_VALUE} characters`);
    else if (Object.hasOwn(labels, key)) errors.push(`${where}: "${key}" is given twice`);
    else labels[key] = value;
  });
  return { labels, errors };
}
