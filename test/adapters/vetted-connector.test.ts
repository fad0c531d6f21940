import { describe, expect, it } from 'vitest';
import {
  DestinationRefusedError,
  DestinationUnresolvedError,
  vetDestination,
} from '#adapters/vetted-connector';
import type { HostResolver } from '#domain/ports';

function resolverOf(answer: string[] | Error): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async resolve(hostname) {
      calls.push(hostname);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('vetDestination', () => {
  it('returns every address of a name when all are public', async () => {
    const resolver = resolverOf(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    await expect(vetDestination('hooks.example.com', resolver, false)).resolves.toEqual([
      '93.184.215.14',
      '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    ]);
    expect(resolver.calls).toEqual(['hooks.example.com']);
  });

  it.each([
    [['10.0.0.1'], '10.0.0.1'],
    [['93.184.215.14', '192.168.1.5'], '192.168.1.5'],
    [['169.254.169.254'], '169.254.169.254'],
    [['::ffff:10.1.2.3'], '::ffff:10.1.2.3'],
    [['fd00::1'], 'fd00::1'],
    [['100.64.0.1'], '100.64.0.1'],
    [['0.0.0.0'], '0.0.0.0'],
  ])('refuses a name resolving to %j, naming %s', async (addresses, culprit) => {
    const promise = vetDestination('hooks.example.com', resolverOf(addresses), true);
    await expect(promise).rejects.toBeInstanceOf(DestinationRefusedError);
    await expect(promise).rejects.toThrow(`destination address ${culprit} is not allowed (`);
  });

  it('judges an IP literal itself, without resolving it', async () => {
    const resolver = resolverOf(['93.184.215.14']);
    await expect(vetDestination('10.0.0.1', resolver, true)).rejects.toThrow(
      'destination address 10.0.0.1 is not allowed (a private address)',
    );
    await expect(vetDestination('93.184.215.14', resolver, false)).resolves.toEqual(['93.184.215.14']);
    expect(resolver.calls).toEqual([]);
  });

  it('allows loopback only when insecure localhost is allowed', async () => {
    await expect(vetDestination('127.0.0.1', resolverOf([]), true)).resolves.toEqual(['127.0.0.1']);
    await expect(vetDestination('localhost', resolverOf(['127.0.0.1', '::1']), true)).resolves.toEqual([
      '127.0.0.1',
      '::1',
    ]);
    await expect(vetDestination('::1', resolverOf([]), false)).rejects.toThrow(
      'destination address ::1 is not allowed (a loopback address)',
    );
  });

  it('reports a name that does not resolve, or resolves to nothing', async () => {
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' });
    await expect(vetDestination('gone.example.com', resolverOf(failure), false)).rejects.toThrow(
      new DestinationUnresolvedError('could not resolve host gone.example.com (ENOTFOUND)'),
    );
    await expect(vetDestination('empty.example.com', resolverOf([]), false)).rejects.toBeInstanceOf(
      DestinationUnresolvedError,
    );
  });
});
