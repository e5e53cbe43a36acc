import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainBody } from '../../src/server/drain-body.js';

/** message is a request whose body arrives as the test pushes it. */
function message(contentLength?: number): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  if (contentLength !== undefined) request.headers['content-length'] = String(contentLength);
  return request;
}

describe('drainBody', () => {
  it('reads the rest of a body that ends within the bound', async () => {
    const request = message(3_000);
    const drained = drainBody(request, 4_000);
    request.push(Buffer.alloc(2_000));
    request.push(Buffer.alloc(1_000));
    request.push(null);
    expect(await drained).toBe(true);
    expect(request.listenerCount('data')).toBe(0);
  });

  it('does not read a body declared longer than the bound', async () => {
    const request = message(5_000);
    expect(await drainBody(request, 4_000)).toBe(false);
    expect(request.readableFlowing).toBe(null);
  });

  it('stops at the bound when an undeclared body runs past it', async () => {
    const request = message();
    const drained = drainBody(request, 4_000);
    request.push(Buffer.alloc(3_000));
    request.push(Buffer.alloc(3_000));
    expect(await drained).toBe(false);
    expect(request.listenerCount('data')).toBe(0);
  });

  it('gives up when the client goes away', async () => {
    const request = message(3_000);
    const drained = drainBody(request, 4_000);
    request.push(Buffer.alloc(1_000));
    request.destroy();
    expect(await drained).toBe(false);
  });

  it('has nothing to do when the body has ended', async () => {
    const request = message(0);
    request.push(null);
    request.resume();
    await new Promise((resolve) => request.once('end', resolve));
    expect(await drainBody(request, 4_000)).toBe(true);
  });
});
