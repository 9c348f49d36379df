/**
 * Runs `compute` (synchronous: the attribution, a durability replay) again until it asked for
 * nothing the store had not answered yet. Those computations look things up as they go (a file's
 * sketches, the consumption ledger), and most lookups are never needed, so they are not read up
 * front; the store answers asynchronously, so a lookup not read yet answers nothing and is
 * remembered. `readAsked` reads what the last run asked for and lacked, and says whether there was
 * any: the last run saw every answer it asked for, exactly as with a synchronous store.
 */
export async function withAskedRead<T>(compute: () => T, readAsked: () => Promise<boolean>): Promise<T> {
  let result = compute();
  while (await readAsked()) result = compute();
  return result;
}
