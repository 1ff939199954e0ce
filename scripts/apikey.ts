// `npm run apikey -- create --name admin --role ADMIN [--projects a,b]` | `list` | `revoke --name <name>`:
// manages api keys straight in the database (DATABASE_URL, or the embedded one under DATA_DIR).
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/app';
import { AuthService } from '../src/domain/auth/auth.service';
import { Role } from '../src/domain/auth/role';
import { createLogger } from '../src/logger';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string', default: 'VIEWER' }, projects: { type: 'string' } },
  });
  const command = positionals[0];
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    console.error('usage: npm run apikey -- create --name <name> --role VIEWER|EDITOR|ADMIN [--projects a,b] | list | revoke --name <name>');
    process.exit(2);
  }
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const { db, embedded } = await openDatabase(config, createLogger(config.logLevel));
  try {
    if (command === 'create') {
      const role = String(values.role).toUpperCase() as Role;
      if (!Object.values(Role).includes(role)) throw new Error(`--role must be VIEWER, EDITOR or ADMIN, got "${values.role}"`);
      if (!values.name) throw new Error('--name is required');
      const projects = values.projects ? values.projects.split(',').map((p) => p.trim()).filter(Boolean) : [];
      const { apiKey, secret } = await new AuthService(db, true).createKey({ name: values.name, role, projects });
      console.log(`created api key "${apiKey.name}" (${apiKey.role}${projects.length ? `, projects ${projects.join(', ')}` : ''})`);
      console.log(`secret (shown once): ${secret}`);
      console.log(`use it as: Authorization: Bearer ${secret}`);
    } else if (command === 'list') {
      const rows: { name: string; role: string; projects: string[]; created_at: Date; revoked_at: Date | null }[] =
        await db.query('SELECT name, role, projects, created_at, revoked_at FROM api_key ORDER BY created_at');
      for (const r of rows) console.log(`${r.name}\t${r.role}\t${r.projects.join(',') || '*'}\t${r.revoked_at ? 'revoked' : 'active'}`);
    } else {
      if (!values.name) throw new Error('--name is required');
      const [, count] = await db.query('UPDATE api_key SET revoked_at = clock_timestamp() WHERE name = $1 AND revoked_at IS NULL', [values.name]);
      console.log(`revoked ${count} key(s) named "${values.name}"`);
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(`apikey: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
