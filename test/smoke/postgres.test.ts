// Proves the PostgreSQL launcher gives what the ledger will rely on: role and database "bootshift" reached through a
// private unix socket only, a cluster that survives a restart, and a stop that leaves no server behind.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { startPostgres, stopPostgres } from '../../devenv/postgres';
import { isRunning, isSameProcess } from '../../devenv/processes';
import { endPool, startTestPostgres } from '../helpers/postgres';

jest.setTimeout(120_000);

test('a test cluster serves role and database bootshift through a private socket, and stop() ends it', async () => {
  const server = await startTestPostgres();
  try {
    process.stdout.write(`PostgreSQL ${server.version} in ${server.dataDir} (pid ${server.pid})\n`);
    expect(isSameProcess(server.pid, server.startTime)).toBe(true);

    const socket = statSync(server.socketDir);
    expect(socket.mode & 0o777).toBe(0o700);
    // Owned by the user the postmaster runs as (the owner of its /proc entry), which is never root.
    expect(socket.uid).toBe(statSync(`/proc/${server.pid}`).uid);
    expect(socket.uid).not.toBe(0);

    const parsed = new Client({ connectionString: server.url });
    expect({ host: parsed.host, user: parsed.user, database: parsed.database }).toEqual({
      host: server.socketDir,
      user: 'bootshift',
      database: 'bootshift',
    });

    const pool = new Pool({ connectionString: server.url, max: 2 });
    try {
      const { rows } = await pool.query('SELECT current_user, current_database()');
      expect(rows).toEqual([{ current_user: 'bootshift', current_database: 'bootshift' }]);
      const role = await pool.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      expect(role.rows).toEqual([{ rolsuper: false }]);
      const settings = await pool.query(
        "SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'max_connections', 'fsync') ORDER BY name",
      );
      expect(settings.rows).toEqual([
        { name: 'fsync', setting: 'off' },
        { name: 'listen_addresses', setting: '' },
        { name: 'max_connections', setting: '200' },
      ]);
    } finally {
      await endPool(pool);
    }

    await server.stop();
    expect(isRunning(server.pid)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
  } finally {
    await server.stop();
  }
});

test('a second start on the same data dir reuses the cluster, and stopPostgres stops it from its data dir', async () => {
  // A "+" in the path: the connection string must carry it encoded, or the parser reads a space.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootshift-pg+reuse-'));
  try {
    let started = Date.now();
    const first = await startPostgres({ dataDir });
    const coldMs = Date.now() - started;
    const pool = new Pool({ connectionString: first.url, max: 1 });
    await pool.query('CREATE TABLE survivor (id int PRIMARY KEY)');
    await pool.query('INSERT INTO survivor VALUES (42)');
    await endPool(pool);
    await first.stop();
    expect(isRunning(first.pid)).toBe(false);

    started = Date.now();
    const second = await startPostgres({ dataDir });
    const warmMs = Date.now() - started;
    process.stdout.write(`PostgreSQL cold start (initdb) ${coldMs} ms, warm start ${warmMs} ms\n`);
    expect(second.pid).not.toBe(first.pid);
    const again = new Pool({ connectionString: second.url, max: 1 });
    try {
      expect((await again.query('SELECT id FROM survivor')).rows).toEqual([{ id: 42 }]);
    } finally {
      await endPool(again);
    }

    await stopPostgres(dataDir);
    expect(isRunning(second.pid)).toBe(false);
    await stopPostgres(dataDir);
    await second.stop();
  } finally {
    await stopPostgres(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a server that exits before it is ready fails the start with the end of its log', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootshift-pg-'));
  try {
    await expect(startPostgres({ dataDir, settings: { shared_buffers: 'plenty' } })).rejects.toThrow(
      /exited .* before it was ready[\s\S]*invalid value for parameter "shared_buffers"/,
    );
  } finally {
    await stopPostgres(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('settings the launcher owns are refused before anything starts', async () => {
  await expect(startPostgres({ dataDir: '/nonexistent/pg', settings: { listen_addresses: '*' } })).rejects.toThrow(
    'settings.listen_addresses: is set by the launcher',
  );
  expect(existsSync('/nonexistent/pg')).toBe(false);
});
