// The command lines of `npm run bench` and `npm run seed:large`: every word is a known section or
// option, or the command stops with one line naming it (exit 2) before it touches a database.
// `--dry-run` prints what the command would do as one JSON line and exits: the README test runs
// every command the bench README shows that way, so a renamed option fails there.

export class UsageError extends Error {}

export interface ArgSpec {
  /** Words without dashes: what to seed or measure. */
  sections: string[];
  /** Options taking a positive integer, with their defaults. */
  numbers: Record<string, number>;
  /** Options taking a comma-separated list of positive integers, with their defaults. */
  lists?: Record<string, number[]>;
  /** Options without a value (besides --help and --dry-run). */
  switches?: string[];
}

export interface Args {
  sections: string[];
  numbers: Record<string, number>;
  lists: Record<string, number[]>;
  switches: Set<string>;
  help: boolean;
  dryRun: boolean;
}

const positive = (word: string | undefined) => word !== undefined && /^[1-9]\d*$/.test(word);

export function parseArgs(argv: string[], spec: ArgSpec): Args {
  const args: Args = { sections: [], numbers: { ...spec.numbers }, lists: { ...spec.lists }, switches: new Set(), help: false, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!word.startsWith('--')) {
      if (!spec.sections.includes(word)) throw new UsageError(`unknown section "${word}" (sections: ${spec.sections.join(', ')})`);
      if (!args.sections.includes(word)) args.sections.push(word);
      continue;
    }
    const name = word.slice(2);
    if (name === 'help') args.help = true;
    else if (name === 'dry-run') args.dryRun = true;
    else if (spec.switches?.includes(name)) args.switches.add(name);
    else if (name in spec.numbers) {
      const value = argv[++i];
      if (!positive(value)) throw new UsageError(`--${name} needs a positive integer, got ${value === undefined ? 'nothing' : `"${value}"`}`);
      args.numbers[name] = Number(value);
    } else if (spec.lists && name in spec.lists) {
      const value = argv[++i];
      const items = value?.split(',') ?? [];
      if (!items.length || !items.every(positive)) throw new UsageError(`--${name} needs positive integers separated by commas, got ${value === undefined ? 'nothing' : `"${value}"`}`);
      args.lists[name] = items.map(Number);
    } else {
      const known = [...Object.keys(spec.numbers), ...Object.keys(spec.lists ?? {}), ...(spec.switches ?? []), 'dry-run', 'help'];
      throw new UsageError(`unknown option ${word} (options: ${known.map((k) => `--${k}`).join(', ')})`);
    }
  }
  return args;
}

/** The usage line of a command, from its spec. */
export function usage(command: string, spec: ArgSpec): string {
  const options = [
    ...Object.entries(spec.numbers).map(([k, v]) => `[--${k} N (${v})]`),
    ...Object.entries(spec.lists ?? {}).map(([k, v]) => `[--${k} N,N (${v.join(',')})]`),
    ...(spec.switches ?? []).map((k) => `[--${k}]`),
  ];
  return `usage: ${command} -- [${spec.sections.join('|')} ...] ${options.join(' ')} [--dry-run] [--help]`;
}

/** Parses, or prints the usage error and exits 2; prints the usage and exits 0 for --help. */
export function commandLine(command: string, argv: string[], spec: ArgSpec): Args {
  let args: Args;
  try {
    args = parseArgs(argv, spec);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${command}: ${err.message}\n${usage(command, spec)}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(usage(command, spec));
    process.exit(0);
  }
  return args;
}
