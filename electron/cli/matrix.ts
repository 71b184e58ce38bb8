import { MATRIX_TLS_MODES, type Matrix, type MatrixTls } from '../../shared/matrix.js';
import { UsageError } from './usage-error.js';

export interface MatrixArgs {
  ports: number[];
  modes: MatrixTls[];
  parallel: number;
  json: boolean;
  /** Connection options for probe's parser (--host, --ca, --timeout, --ehlo, …). */
  rest: string[];
}

/** Options a matrix sets itself or never uses: the port and TLS mode come from the lists, and a matrix does not log in. */
const NOT_HERE = new Set(['--port', '--socket', '--auth', '--user', '--password-env', '--password-file', '--protocol']);

/** `smtp-lens matrix`'s own options, taken out of argv; the rest are probe's connection options. */
export function splitMatrixArgs(argv: string[]): MatrixArgs {
  const rest: string[] = [];
  let ports = [25, 465, 587];
  let modes: MatrixTls[] = [...MATRIX_TLS_MODES];
  let parallel = 4;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`matrix: ${name} needs a value`);
      return v;
    };
    if (name === '--ports') {
      const items = value().split(',');
      ports = items.map((p) => {
        const n = Number(p);
        if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new UsageError(`matrix: --ports takes port numbers (got "${p}")`);
        return n;
      });
    } else if (name === '--tls') {
      const items = value().split(',');
      for (const m of items) {
        if (!(MATRIX_TLS_MODES as readonly string[]).includes(m)) {
          throw new UsageError(`matrix: --tls takes ${MATRIX_TLS_MODES.join(',')} (got "${m}")`);
        }
      }
      modes = [...new Set(items as MatrixTls[])];
    } else if (name === '--parallel') {
      const v = value();
      parallel = Number(v);
      if (!/^\d+$/.test(v) || parallel < 1 || parallel > 64) throw new UsageError('matrix: --parallel takes 1 to 64');
    } else if (a === '--json') json = true;
    else if (NOT_HERE.has(name)) throw new UsageError(`matrix: ${name} is not a matrix option (--ports and --tls choose the cells)`);
    else rest.push(a);
  }
  ports = [...new Set(ports)];
  if (!rest.some((a) => a === '--host' || a.startsWith('--host='))) throw new UsageError('matrix: --host is needed');
  return { ports, modes, parallel, json, rest };
}

/** 0: some combination answered; 3: none did (nothing listening, or nothing reachable). */
export function matrixExitCode(m: Matrix): number {
  return m.cells.some((c) => c.greeting) ? 0 : 3;
}
