/**
 * `record[key]` for a key that came from outside (a metric name, a URL segment, a query value):
 * only the record's own entries, so "constructor", "toString" or "__proto__" find nothing instead
 * of what every object inherits.
 */
export function ownProperty<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
