// `npm run apikey -- create --name admin --role ADMIN [--projects a,b]` | `list` | `revoke --name <name>`:
// manages api keys straight in the database: DATABASE_URL, else the embedded database of a running
// `npm start` (found through <DATA_DIR>/embedded.json), else the embedded one started just for this.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config';
import { openDatabase } from '../src/app';
import { runningEmbedded } from '../src/db/embedded';
import { AuthService } from '../src/domain/auth/auth.service';
import { Role } from '../src/domain/auth/role';
import { AppError } from '../src/graphql/errors';
import { createLogger } from '../src/logger';

const USAGE = 'usage: npm run apikey -- create --name <name> --role VIEWER|EDITOR|ADMIN [--projects a,b] | list | revoke --name <name>';
const ROLES = Object.values(Role) as string[];

class UsageError extends Error {}

interface Command {
  command: 'create' | 'list' | 'revoke';
  name?: string;
  role: Role;
  projects: string[];
}

/** Everything wrong with the command line is found here, before any database is touched. */
function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, role: { type: 'string', default: 'VIEWER' }, projects: { type: 'string' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  }
  const role = String(values.role).toUpperCase();
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${values.role}"`);
  if (command !== 'list' && !values.name) throw new UsageError(`${command} needs --name <name>`);
  const projects = values.projects ? [...new Set(values.projects.split(',').map((p) => p.trim()).filter(Boolean))] : [];
  return { command, name: values.name, role: role as Role, projects };
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

async function main() {
  const cmd = parseCommand(process.argv.slice(2));
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const running = config.databaseUrl ? undefined : runningEmbedded(config.dataDir);
  const { db, embedded } = await openDatabase(running ? { ...config, databaseUrl: running.url } : config, createLogger(config.logLevel));
  try {
    if (cmd.command === 'create') {
      if (cmd.projects.length) {
        const rows: { name: string }[] = await db.query('SELECT name FROM project ORDER BY name');
        const known = rows.map((r) => r.name);
        const missing = cmd.projects.filter((p) => !known.includes(p));
        if (missing.length) {
          throw new Error(`--projects names ${missing.map((p) => `"${p}"`).join(', ')}, which does not exist` +
            (known.length ? ` (projects: ${known.join(', ')})` : ' (there are no projects yet)'));
        }
      }
      const { apiKey, secret } = await new AuthService(db, true).createKey({ name: cmd.name!, role: cmd.role, projects: cmd.projects });
      console.log(`created api key "${apiKey.name}" (${apiKey.role}${cmd.projects.length ? `, projects ${cmd.projects.join(', ')}` : ''})`);
      console.log(`secret (shown once): ${secret}`);
      console.log(`use it as: Authorization: Bearer ${secret}`);
    } else if (cmd.command === 'list') {
      const rows: { name: string; role: string; projects: string[]; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }[] =
        await db.query('SELECT name, role, projects, created_at, last_used_at, revoked_at FROM api_key ORDER BY created_at, id');
      if (!rows.length) {
        console.log('no api keys yet: npm run apikey -- create --name admin --role ADMIN');
        return;
      }
      console.log(table(['NAME', 'ROLE', 'PROJECTS', 'STATUS', 'CREATED (UTC)', 'LAST USED (UTC)'], rows.map((r) => [
        r.name, r.role, r.projects.join(',') || '*', r.revoked_at ? `revoked ${day(r.revoked_at)}` : 'active', day(r.created_at), day(r.last_used_at),
      ])));
    } else {
      const [, count] = await db.query('UPDATE api_key SET revoked_at = clock_timestamp() WHERE name = $1 AND revoked_at IS NULL', [cmd.name]);
      if (!count) throw new Error(`no active api key is named "${cmd.name}"`);
      console.log(`revoked the api key named "${cmd.name}"`);
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  if (err instanceof UsageError) {
    console.error(`apikey: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  const code = err instanceof AppError ? ` [${err.extensions.code}]` : '';
  console.error(`apikey: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}${code}`);
  process.exit(1);
});
