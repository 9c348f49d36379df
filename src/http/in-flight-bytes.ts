/*
 * Bodies are read whole before they can be checked (a webhook's signature covers all of it; OTLP and
 * hook bodies are decoded at once), so each request may hold up to its route's body limit. This
 * bounds what all requests of a route hold together, so that many bodies sent at once, or slowly and
 * never finished, cannot fill the memory.
 */

/** The bytes of bodies being read or handled, shared by all requests of one route. */
export class InFlightBytes {
  used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}

/** The body is larger than the route's limit. */
export class BodyTooLargeError extends Error {}
/** Other requests hold the route's whole budget: the sender should try again shortly. */
export class TooManyBodiesError extends Error {}

/**
 * Reads a body chunk by chunk, up to `maxBytes`, taking each chunk from `inFlight`; `held.bytes`
 * says how many were taken, for the caller to release once the request is done. Past the limit or
 * the budget it stops reading (the server discards the rest). The chunks are not joined, so a
 * caller that checks them first (a signature) copies nothing it refuses.
 */
export async function readBodyWithin(
  body: ReadableStream<Uint8Array> | null,
  { maxBytes, inFlight, held, onChunk }: { maxBytes: number; inFlight: InFlightBytes; held: { bytes: number }; onChunk?: (chunk: Uint8Array) => void },
): Promise<{ chunks: Uint8Array[]; size: number }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!body) return { chunks, size };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new BodyTooLargeError(`Body is larger than ${maxBytes} bytes.`);
      if (!inFlight.take(value.byteLength)) throw new TooManyBodiesError('Too many request bodies are being received at once.');
      held.bytes += value.byteLength;
      onChunk?.(value);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return { chunks, size };
}
