import { describe, expect, it } from 'vitest';
import {
  checkHost,
  guardedLookup,
  isPrivateAddress,
  PrivateAddressError,
} from '../../../src/service/notifications/address-guard.js';

describe('the private-address guard', () => {
  it('knows loopback, private, link-local, CGNAT and unspecified addresses, v4, v6 and v4-mapped', () => {
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of [
      '8.8.8.8',
      '172.32.0.1',
      '192.169.0.1',
      '100.128.0.1',
      '2001:4860:4860::8888',
      '::ffff:8.8.8.8',
    ]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it('checks literal addresses and every address a name resolves to', async () => {
    await expect(checkHost('127.0.0.1')).rejects.toBeInstanceOf(PrivateAddressError);
    await expect(checkHost('[::1]')).rejects.toBeInstanceOf(PrivateAddressError);
    await expect(checkHost('localhost')).rejects.toThrow(/localhost resolves to .*allow_private/);
    await expect(checkHost('8.8.8.8')).resolves.toBeUndefined();
  });

  it('refuses again at connect time: the lookup the connection uses fails for a private answer', async () => {
    const err = await new Promise<unknown>((resolve) =>
      guardedLookup('localhost', { family: 0 }, (e) => resolve(e)),
    );
    expect(err).toBeInstanceOf(PrivateAddressError);
  });
});
