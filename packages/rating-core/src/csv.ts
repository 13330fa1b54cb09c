/**
 * A small RFC 4180 CSV reader for one record per line: fields separated by `,`, optionally quoted with
 * `"`, a quote inside a quoted field doubled (`""`). Quoted fields may not span lines.
 */

/** Splits one CSV line into its fields, or returns a reason when the quoting is broken. */
export function parseCsvLine(line: string): string[] | { readonly error: string } {
  const fields: string[] = [];
  const length = line.length;
  let i = 0;
  for (;;) {
    if (i < length && line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return { error: 'unterminated quoted field' };
        value += line.slice(i, close);
        if (line.charCodeAt(close + 1) === 34) {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
      if (i === length) return fields;
      if (line.charCodeAt(i) !== 44) return { error: 'text after a closing quote' };
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** Quotes a CSV field when it contains a comma, a quote, or a line break. */
export function csvField(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return '"' + value.replace(/"/g, '""') + '"';
  }
  return value;
}
