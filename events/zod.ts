import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The zod every contract, configuration and HTTP schema of the functions is written with —
 * `import * as z from './zod.ts'` — `zod/mini`: the same schemas and parsers as `zod`, with
 * functions in place of methods (`z.optional(z.string().check(z.minLength(1)))` for
 * `z.string().min(1).optional()`). A function's bundle holds ~25 KB of it instead of ~92 KB and
 * builds its schemas faster at a cold start (docs/performance.md). Its messages are English, as
 * zod's are: mini loads no locale of its own, so without this line every refusal would read
 * "Invalid input". Import it as a namespace, never re-export `z` as a value: the bundler keeps
 * only what is used of a namespace it can see through, and the whole of zod (every locale) of
 * one it cannot.
 */
config(en());

export * from 'zod/mini';
