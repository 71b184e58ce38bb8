import { describe, expect, it } from 'vitest';
import {
  addRecent,
  applyRecent,
  describeRecent,
  loadRecent,
  MAX_RECENT_TARGETS,
  RECENT_TARGETS_KEY,
  recentFromForm,
  removeRecent,
  saveRecent,
  type RecentTarget,
} from '../../../renderer/src/store/recent-targets.js';
import { DEFAULT_AUTH_FORM, DEFAULT_CONNECTION_FORM } from '../../../renderer/src/store/connection-form.js';
import { connectStoreToEvents, createAppStore } from '../../../renderer/src/store/index.js';
import { fakeApi, memoryStorage } from './fake-api.js';

const NOW = new Date('2025-02-03T04:05:06.000Z');
const tcp = (host: string, port = 25, tls: RecentTarget['tls'] = 'off'): RecentTarget => ({
  host,
  port,
  protocol: 'smtp',
  tls,
  usedAt: NOW.toISOString(),
});

describe('recent targets', () => {
  it('come from the form without anything secret', () => {
    const form = {
      ...DEFAULT_CONNECTION_FORM,
      host: ' mx.example.net ',
      port: '587',
      tls: 'starttls' as const,
      clientKeyPem: 'KEY',
      clientCertPem: 'CERT',
      caPem: 'CA',
    };
    expect(recentFromForm(form, NOW)).toEqual({
      host: 'mx.example.net',
      port: 587,
      protocol: 'smtp',
      tls: 'starttls',
      usedAt: NOW.toISOString(),
    });
    expect(recentFromForm({ ...DEFAULT_CONNECTION_FORM, host: 'mx', port: '' }, NOW)?.port).toBe(25);
    expect(recentFromForm({ ...DEFAULT_CONNECTION_FORM, target: 'socket', socketPath: '/run/lmtp', protocol: 'lmtp' }, NOW)).toEqual({
      socketPath: '/run/lmtp',
      protocol: 'lmtp',
      tls: 'off',
      usedAt: NOW.toISOString(),
    });
    expect(recentFromForm({ ...DEFAULT_CONNECTION_FORM, host: '' })).toBeUndefined();
    expect(recentFromForm({ ...DEFAULT_CONNECTION_FORM, target: 'socket', socketPath: 'relative' })).toBeUndefined();
  });

  it('keep the newest first, once each, at most ten', () => {
    let list: RecentTarget[] = [];
    for (let i = 0; i < 12; i++) list = addRecent(list, tcp(`h${i}`));
    expect(list).toHaveLength(MAX_RECENT_TARGETS);
    expect(list[0]?.host).toBe('h11');
    list = addRecent(list, tcp('h5'));
    expect(list.map((t) => t.host).slice(0, 3)).toEqual(['h5', 'h11', 'h10']);
    expect(list.filter((t) => t.host === 'h5')).toHaveLength(1);
    // The same host with another TLS mode or port is another target; host names compare without case.
    expect(addRecent([tcp('mx')], tcp('mx', 587, 'starttls'))).toHaveLength(2);
    expect(addRecent([tcp('MX')], tcp('mx'))).toHaveLength(1);
    expect(removeRecent(list, tcp('h5')).some((t) => t.host === 'h5')).toBe(false);
  });

  it('are stored in localStorage and survive junk there', () => {
    const storage = memoryStorage();
    saveRecent(storage, [tcp('a'), tcp('b')]);
    expect(loadRecent(storage).map((t) => t.host)).toEqual(['a', 'b']);
    for (const junk of [
      '{',
      '"x"',
      '{"a":1}',
      '[1,null,{"host":"x"}]',
      JSON.stringify([{ host: 'a\nb', port: 25, protocol: 'smtp', tls: 'off' }]),
    ]) {
      expect(loadRecent(memoryStorage({ [RECENT_TARGETS_KEY]: junk })), junk).toEqual([]);
    }
    const mixed = JSON.stringify([
      tcp('ok'),
      { host: 'bad', port: 0, protocol: 'smtp', tls: 'off' },
      { socketPath: '/s', protocol: 'lmtp', tls: 'off' },
    ]);
    expect(loadRecent(memoryStorage({ [RECENT_TARGETS_KEY]: mixed })).map(describeRecent)).toEqual(['smtp://ok:25', 'lmtp:/s']);
    // A storage that throws is no error.
    const throwing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(loadRecent(throwing)).toEqual([]);
    expect(() => saveRecent(throwing, [tcp('a')])).not.toThrow();
  });

  it('describe themselves and fill the form', () => {
    expect(describeRecent(tcp('mx', 587, 'starttls'))).toBe('smtp://mx:587 · starttls');
    expect(describeRecent(tcp('::1', 465, 'implicit'))).toBe('smtps://[::1]:465');
    const form = applyRecent({ ...DEFAULT_CONNECTION_FORM, ehloName: 'kept' }, tcp('mx', 465, 'implicit'));
    expect(form).toMatchObject({ target: 'tcp', host: 'mx', port: '465', portTouched: false, tls: 'implicit', ehloName: 'kept' });
    expect(applyRecent(DEFAULT_CONNECTION_FORM, tcp('mx', 2525)).portTouched).toBe(true);
  });

  it('the store remembers a target a session reached, and never its credentials', async () => {
    const storage = memoryStorage();
    const api = fakeApi();
    const store = createAppStore(api, { storage });
    connectStoreToEvents(store, api);
    store.getState().setConnectionField('host', 'mx.example.net');
    store.getState().setAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'hunter2-secret' });
    await store.getState().probe();
    expect(store.getState().recentTargets.map(describeRecent)).toEqual(['smtp://mx.example.net:25']);
    const stored = storage.data.get(RECENT_TARGETS_KEY) ?? '';
    expect(stored).toContain('mx.example.net');
    expect(stored).not.toContain('alice');
    expect(stored).not.toContain('hunter2');
    // A fresh store reads them back.
    expect(createAppStore(fakeApi(), { storage }).getState().recentTargets).toHaveLength(1);
    store.getState().forgetRecentTarget(store.getState().recentTargets[0]!);
    expect(loadRecent(storage)).toEqual([]);
  });
});
