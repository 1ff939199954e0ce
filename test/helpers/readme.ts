// Runs the fenced code blocks of a README the way a reader would: sh lines as commands (npm
// scripts, curl, python), graphql blocks against the server, python blocks with python3, against
// a server started by `npm start` in the README on a fresh database.
import { ChildProcess, ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { seedExample } from '../../scripts/seed-example';
import { createTestDatabase } from './app';

/** Compiled to dist/test/helpers/: the repository root is three levels up. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');

/**
 * The READMEs test/readme.test.ts runs as a reader would, against the quick start's server; the
 * others (bench, docker, the compiler) are checked by test/readme-ops.test.ts.
 */
export const READ_AS_A_READER = () => [
  'README.md',
  'clients/python/README.md',
  'clients/ts/README.md',
  ...fs.readdirSync(path.join(ROOT, 'examples')).filter((d) => fs.existsSync(path.join(ROOT, 'examples', d, 'README.md'))).map((d) => `examples/${d}/README.md`),
];

export interface Block {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(Math.min(indent, /^\s*/.exec(lines[j])![0].length)));
    blocks.push({ lang: open[2] || 'text', code: body.join('\n') + '\n', line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The commands of an sh block: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(code: string): string[] {
  const joined = code.replace(/\\\n\s*/g, '');
  return joined.split('\n').map(stripComment).map((l) => l.trim()).filter(Boolean);
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

export interface CommandResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the command was not run, for the ones a test run cannot repeat (npm install, npm test). */
  skipped?: string;
}

export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}):
  Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: a server under test may live in this process and must keep answering.
    const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (child.stdin) {
      // A child that exits without reading its input must not crash the test with EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

/** A README session: the server its `npm start` starts, and everything run against it. */
export class ReadmeSession {
  url = '';
  port = 0;
  databaseUrl = '';
  server: ChildProcess | undefined;
  serverOutput = '';
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-readme-home-'));
  private dropDatabase: (() => Promise<void>) | undefined;
  private readonly scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

  /** localhost:4000 in the README is the server this session started. */
  translate(text: string): string {
    return text.replace(/(https?:\/\/)?localhost:4000/g, (_m, scheme) => `${scheme ?? ''}127.0.0.1:${this.port}`);
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env, HOME: this.home, DATABASE_URL: this.databaseUrl, MAG_URL: this.url,
      // As npm run does: the package binaries come first.
      PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      PYTHONPATH: path.join(ROOT, 'clients', 'python'), PYTHONDONTWRITEBYTECODE: '1', LOG_LEVEL: 'warn', ...extra,
    };
    delete env.MAG_API_KEY;
    return env;
  }

  async start(args: string[]): Promise<CommandResult> {
    if (this.server) throw new Error('the README starts the server twice');
    const database = await createTestDatabase();
    this.databaseUrl = database.url;
    this.dropDatabase = database.drop;
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}/graphql`;
    const child = spawn(process.execPath, [path.join(DIST, 'src', 'main.js'), ...args], {
      cwd: ROOT, env: this.env({ PORT: String(this.port), MAG_URL: undefined }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.server = child;
    child.stdout!.on('data', (d) => { this.serverOutput += d; });
    child.stderr!.on('data', (d) => { this.serverOutput += d; });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${this.serverOutput}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`npm start did not become ready in 60 s:\n${this.serverOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // --seed-example seeds after listening; wait for its last line.
    if (args.includes('--seed-example')) {
      while (!/seed-example: total|already seeded/.test(this.serverOutput)) {
        if (Date.now() > deadline) throw new Error(`npm start -- --seed-example did not finish seeding:\n${this.serverOutput}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { command: `npm start ${args.join(' ')}`.trim(), code: 0, stdout: '', stderr: '' };
  }

  /** One line of an sh block, run the way a reader would, against this session's server. */
  async command(line: string): Promise<CommandResult> {
    const command = line.replace(/\s*&$/, '');
    const words = command.split(/\s+/);
    if (/^npm (install|ci)\b/.test(command)) return { command, code: 0, stdout: '', stderr: '', skipped: 'dependencies are installed before the tests run' };
    if (/^npm test\b/.test(command)) return { command, code: 0, stdout: '', stderr: '', skipped: 'this is npm test' };
    if (/^npm run build\b/.test(command)) return { command, code: 0, stdout: '', stderr: '', skipped: 'npm test builds before running' };
    if (/^npm start\b/.test(command) && this.server && this.prestarted) {
      return { command, code: 0, stdout: '', stderr: '', skipped: 'the server of the quick start is running' };
    }
    if (/^npm start\b/.test(command)) {
      const dashDash = words.indexOf('--');
      return this.start(dashDash >= 0 ? words.slice(dashDash + 1) : []);
    }
    let shell = this.translate(command);
    const npmRun = /^npm run (\S+)(?:\s+--)?(.*)$/.exec(command);
    if (npmRun) {
      const script = this.scripts[npmRun[1]];
      if (!script) throw new Error(`the README runs "npm run ${npmRun[1]}", which package.json does not define`);
      // npm test has built dist/ already; the rest of the script is what npm would run.
      shell = `${script.replace(/^npm run build --silent && /, '')}${npmRun[2]}`;
    } else if (!/^(\w+=\S*\s+)*(curl|python3|node|cp|mkdir|ls|cat|jupyter)\b/.test(command)) {
      throw new Error(`the README runs "${command}": teach test/helpers/readme.ts how to run it`);
    }
    if (!this.server && !/^(cp|mkdir|ls|cat)\b/.test(command)) throw new Error(`the README runs "${command}" before it starts the server`);
    const r = await run('sh', ['-c', shell], { env: this.env() });
    return { command, ...r };
  }

  async graphql(query: string): Promise<{ data?: any; errors?: { message: string }[] }> {
    if (!this.server) throw new Error('the README sends a query before it starts the server');
    const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return res.json() as Promise<{ data?: any; errors?: { message: string }[] }>;
  }

  /** The README a reader follows after the quick start: the server runs and holds the example data. */
  async startSeeded(): Promise<void> {
    await this.start([]);
    this.prestarted = true;
    await seedExample(this.url);
  }

  private prestarted = false;
  private pythonProcess: ChildProcessWithoutNullStreams | undefined;
  private pythonOutput = '';

  /**
   * Runs a python block in one interpreter per README, as the cells of one notebook: names defined
   * by an earlier block are there for the next one.
   */
  async python(code: string): Promise<CommandResult> {
    if (!this.pythonProcess) {
      this.pythonProcess = spawn('python3', ['-u', '-c', PYTHON_DRIVER], { cwd: this.home, env: this.env() });
      this.pythonProcess.stdout.on('data', (d) => { this.pythonOutput += d; });
      this.pythonProcess.stderr.on('data', (d) => { this.pythonOutput += d; });
    }
    const child = this.pythonProcess;
    this.pythonOutput = '';
    child.stdin.write(JSON.stringify({ code: this.translate(code) }) + '\n');
    const deadline = Date.now() + 170_000;
    let reply: { ok: boolean; output: string } | undefined;
    while (!reply) {
      const line = this.pythonOutput.split('\n').find((l) => l.startsWith(PYTHON_REPLY));
      if (line) reply = JSON.parse(line.slice(PYTHON_REPLY.length));
      else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`python3 did not answer:\n${this.pythonOutput}`);
      else await new Promise((r) => setTimeout(r, 20));
    }
    return { command: 'python3', code: reply.ok ? 0 : 1, stdout: reply.output, stderr: '' };
  }

  /**
   * Compiles a ts block as a file in the repository root (where its imports point) with the
   * repository's compiler and strict settings, then runs it against this session's server.
   */
  async typescript(code: string): Promise<CommandResult> {
    const name = `.readme-snippet-${randomBytes(4).toString('hex')}`;
    const source = path.join(ROOT, `${name}.ts`);
    const outDir = path.join(ROOT, 'test-output', name);
    fs.writeFileSync(source, code);
    try {
      const compiled = await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), source,
        '--rootDir', ROOT, '--outDir', outDir, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'ES2022',
        '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node', '--noEmitOnError', '--ignoreConfig']);
      if (compiled.code !== 0) return { command: 'tsc', ...compiled, stdout: compiled.stdout.replaceAll(source, 'README snippet') };
      const r = await run(process.execPath, [path.join(outDir, `${name}.js`)], { env: this.env() });
      return { command: 'node', ...r };
    } finally {
      fs.rmSync(source, { force: true });
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    this.pythonProcess?.stdin.end();
    const server = this.server;
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await this.dropDatabase?.();
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

const PYTHON_REPLY = '\u0000reply:';
/** Reads one JSON {code} per line, runs it in shared globals, answers with its output. */
const PYTHON_DRIVER = `
import contextlib, io, json, sys, traceback
scope = {"__name__": "__main__"}
for line in sys.stdin:
    out = io.StringIO()
    ok = True
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            exec(compile(json.loads(line)["code"], "README", "exec"), scope)
        except BaseException:
            ok = False
            traceback.print_exc()
    sys.__stdout__.write(${JSON.stringify(PYTHON_REPLY)} + json.dumps({"ok": ok, "output": out.getvalue()}) + "\\n")
    sys.__stdout__.flush()
`;
