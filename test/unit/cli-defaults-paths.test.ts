import { describe, expect, it } from 'vitest';
import { appDataDir, configPath } from '../../electron/cli/defaults.js';

/** Where the CLI looks for the app's profiles and for its config file, on each system. */
describe('the folders the CLI reads', () => {
  it.each([
    ['linux', { HOME: '/home/ada' }, '/home/ada/.config/smtp-lens'],
    ['linux', { HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' }, '/xdg/smtp-lens'],
    ['darwin', { HOME: '/Users/ada' }, '/Users/ada/Library/Application Support/smtp-lens'],
    ['linux', { HOME: '/home/ada', SMTP_LENS_DATA_DIR: '/data/lens' }, '/data/lens'],
  ] as const)('profiles on %s with %j: %s (Electron userData for this app)', (platform, env, expected) => {
    expect(appDataDir(env, platform)).toBe(expected);
  });

  it('config.json under XDG_CONFIG_HOME (~/.config when unset), or SMTP_LENS_CONFIG', () => {
    expect(configPath({ HOME: '/home/ada' })).toBe('/home/ada/.config/smtp-lens/config.json');
    expect(configPath({ HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/smtp-lens/config.json');
    expect(configPath({ SMTP_LENS_CONFIG: '/etc/lens.json' })).toBe('/etc/lens.json');
  });
});
