import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { LeaderElection } from '../../src/cluster/leader-election.js';
import { FakeApiServer } from '../support/fake-apiserver.js';

/** Two replicas, one Lease: exactly one leads; the other takes over when the leader stops renewing. */

let server: FakeApiServer | undefined;
const elections: LeaderElection[] = [];
afterEach(async () => {
  for (const election of elections.splice(0)) election.stop();
  await server?.stop();
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('LeaderElection', () => {
  it('elects exactly one of two replicas, and fails over when the leader stops', async () => {
    server = new FakeApiServer();
    const client = new KubeClient(await server.start());
    const quiet = { info: () => undefined, warn: () => undefined };
    const transitions: string[] = [];
    const make = (identity: string): LeaderElection => {
      const election = new LeaderElection({
        client,
        namespace: 'netfence',
        name: 'netfence-reconciler',
        identity,
        leaseSeconds: 1,
        retryMs: 100,
        logger: quiet,
        onStartedLeading: () => transitions.push(`${identity} leads`),
        onStoppedLeading: () => transitions.push(`${identity} stops`),
      });
      elections.push(election);
      election.start();
      return election;
    };
    const a = make('replica-a');
    const b = make('replica-b');
    await until(() => a.isLeader() || b.isLeader(), 'a leader');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Number(a.isLeader()) + Number(b.isLeader())).toBe(1);
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    const lease = server.get('Lease', 'netfence', 'netfence-reconciler');
    expect(lease?.['spec']).toMatchObject({ holderIdentity: leader === a ? 'replica-a' : 'replica-b', leaseDurationSeconds: 1 });

    leader.stop();
    await until(() => follower.isLeader(), 'the other replica to take over after the lease expired');
    expect(server.get('Lease', 'netfence', 'netfence-reconciler')?.['spec']).toMatchObject({ leaseTransitions: 1 });
    expect(transitions.filter((line) => line.endsWith('leads'))).toHaveLength(2);
  });
});
