import type { IncomingMessage } from 'node:http';

/**
 * drainBody reads and discards what is left of a request's body, so that the answer sent before the
 * connection closes is read. A client that writes its whole body before it reads (most do) would
 * otherwise meet a connection closed under it with its bytes unread: the server's kernel resets it,
 * the client's write fails (EPIPE, ECONNRESET) and the answer waiting for it is lost.
 *
 * It reads at most `limit` more bytes: a body declared longer is not read at all, one found longer
 * is left where it is. Resolves true when the body ended within the bound, false when it did not or
 * the client went away; either way the caller answers next, and the connection closes after it.
 */
export function drainBody(request: IncomingMessage, limit: number): Promise<boolean> {
  if (request.readableEnded) return Promise.resolve(true);
  const declared = Number(request.headers['content-length']);
  if (declared > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      request.off('error', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > limit) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(false);
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.once('error', onClose);
    request.resume();
  });
}
