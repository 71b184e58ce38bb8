import { certificateCheck } from '../../shared/certificate-verdict.js';
import { matrixCell, matrixFindings, type Matrix, type MatrixCell, type MatrixTls } from '../../shared/matrix.js';
import { pool } from '../../shared/pool.js';
import { probe } from './operations.js';
import type { SessionOptions } from './session.js';

/**
 * `smtp-lens matrix`: every port × TLS mode probed (greeting, EHLO, STARTTLS or implicit TLS as the mode says, QUIT),
 * at most `parallel` at once. The handshake does not verify, so each cell records the certificate whatever it is;
 * the verdict (valid, untrusted, name mismatch, expired) is given from what was seen, as `smtp-lens mx` does.
 * Nothing is authenticated and nothing is sent: a matrix only looks.
 */

export interface MatrixRequest {
  /** Host, EHLO name, timeouts, CA, servername: everything but port and TLS mode. */
  connection: SessionOptions;
  ports: readonly number[];
  modes: readonly MatrixTls[];
  parallel?: number;
}

export async function runMatrix(request: MatrixRequest): Promise<Matrix> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const combos = request.ports.flatMap((port) => request.modes.map((tls) => ({ port, tls })));
  const cells = await pool(
    combos.map(({ port, tls }) => async (): Promise<MatrixCell> => {
      const record = await probe({
        connection: {
          ...request.connection,
          // Each cell its own transcript (a shared one would interleave them).
          transcript: undefined,
          port,
          tls,
          tlsOptions: { ...request.connection.tlsOptions, verify: false },
        },
      });
      return matrixCell(port, tls, record, record.tls ? certificateCheck(record.tls) : undefined);
    }),
    request.parallel ?? 4,
  );
  return {
    host: request.connection.host ?? '',
    ports: [...request.ports],
    modes: [...request.modes],
    startedAt,
    durationMs: performance.now() - started,
    cells,
    findings: matrixFindings(cells),
  };
}
