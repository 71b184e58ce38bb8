import { OPTIONS, parseCommandLine, type ParseExtras, type Parsed } from './args.js';
import { askSecret } from './ask-secret.js';
import { withDefaults } from './defaults.js';

/**
 * The command line with its defaults (--profile, SMTP_LENS_*, config.json; see defaults.ts). When the AUTH user came
 * from a profile and no secret was given, the password is asked for in a terminal (the app's key store is not open
 * to the command line).
 */
export async function parseWithDefaults(argv: string[], env: NodeJS.ProcessEnv): Promise<Parsed> {
  const first = argv.find((a) => !a.startsWith('-'));
  // help and explain take no defaults (and must work whatever the config file says).
  if (first === undefined || first === 'help' || first === 'explain' || argv.includes('--help') || argv.includes('-h')) {
    return parseCommandLine(argv, env);
  }
  const defaults = await withDefaults(argv, OPTIONS, env);
  const extras: ParseExtras = { ...defaults.extras };
  const userSource = defaults.sources.user;
  if (userSource?.startsWith('profile ')) {
    extras.profileAuth = userSource;
    const hasSecret = defaults.argv.some((a) => /^--password-(env|file)(=|$)/.test(a));
    if (!hasSecret && !argv.includes('--as') && process.stdin.isTTY && process.stderr.isTTY) {
      extras.secret = await askSecret(`Password for ${userSource}: `);
    }
  }
  return parseCommandLine(defaults.argv, env, extras);
}
