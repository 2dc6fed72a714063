// The one way every `npm run <script>` reads its arguments: node:util's parseArgs, plus what
// parseArgs leaves to its caller — `--help` prints the usage and exits 0; a bad flag or a
// missing argument prints one sentence and the usage and exits 2, never a stack trace.
// Scripts call parseCli before any work (emulator, network, installs), so --help is instant.
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A user's mistake on the command line: one sentence, then the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Cli<O extends Options> {
  /** Printed for --help and after every usage error; starts with `usage: npm run …`. */
  usage: string;
  options?: O;
  allowPositionals?: boolean;
}

/** parseArgs with `--help`/`-h`, and a usage error instead of parseArgs' exception. */
export function parseCli<O extends Options, P extends boolean = false>(
  cli: Cli<O> & { allowPositionals?: P },
  args = process.argv.slice(2),
) {
  const beforeTerminator = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (beforeTerminator.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(cli.usage);
    process.exit(0);
  }
  try {
    return parseArgs({
      args,
      options: (cli.options ?? {}) as O,
      allowPositionals: (cli.allowPositionals ?? false) as P,
      strict: true,
    });
  } catch (error) {
    return exitWithUsage(
      cli,
      error instanceof Error ? firstSentence(error.message) : String(error),
    );
  }
}

/**
 * A flag's whole number, or undefined when the flag was not given; anything else (`--max 1.5`,
 * `--rounds x`, below `min`) is a UsageError naming the flag.
 */
export function wholeNumber(flag: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min)
    throw new UsageError(`--${flag} must be a whole number ≥ ${min}, not "${text}".`);
  return value;
}

/** One sentence on stderr, then the usage; exit 2. */
export function exitWithUsage(cli: Pick<Cli<Options>, 'usage'>, sentence: string): never {
  console.error(`${sentence}\n${cli.usage}`);
  process.exit(2);
}

/**
 * Run a script's main: its exit code, a UsageError as one sentence plus the usage (exit 2), any
 * other error as its message alone (exit 1) — a user sees what went wrong, not a stack trace.
 * DEBUG=1 prints the stack as well. A main that returns nothing keeps the process running (a
 * server, until Ctrl-C).
 */
export function runMain(
  cli: Pick<Cli<Options>, 'usage'>,
  main: () => number | undefined | Promise<number | undefined>,
) {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (code !== undefined) process.exit(code);
      },
      (error: unknown) => {
        if (error instanceof UsageError) exitWithUsage(cli, error.message);
        if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
        else console.error(describe(error));
        process.exit(1);
      },
    );
}

// "fetch failed" says nothing without its cause ("connect ECONNREFUSED 127.0.0.1:4566").
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message || error.name;
  return error.cause instanceof Error ? `${message}: ${describe(error.cause)}` : message;
}

// parseArgs' messages run on with advice of their own ("To specify a positional argument …").
const firstSentence = (message: string) => message.split('. ')[0]?.replace(/\.?$/, '.') ?? message;
