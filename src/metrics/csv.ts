import { stringify } from 'csv-stringify/sync';

/**
 * Rows as CSV with a header row (booleans as true/false), for spreadsheets and BI tools: the one
 * CSV writer of every export. Text cells are attacker-controlled (an OTel `user.email`, a PR title),
 * so a cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a tab
 * or a carriage return) goes out prefixed with `'`; numbers, negative ones included, stay numbers.
 */
export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: [...columns],
    escape_formulas: true,
    cast: { boolean: (v) => String(v) },
  });
}
