/**
 * Every promise's value, as Promise.all gives them, but only once all have settled, and on failure
 * the error of the first failed promise in the list (not the first to fail in time): which error a
 * user is told must not depend on which of several concurrent calls answered first.
 */
export async function allInOrder<T extends readonly unknown[]>(
  promises: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<{ -readonly [K in keyof T]: T[K] }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as never;
}
