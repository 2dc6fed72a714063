/**
 * Schemathesis closes its run with pytest's banner (`==== 2 warnings in 12.82s ====`, `==== No
 * issues found in 9.1s ====`). CI systems that read a run's test count from its closing lines take
 * that for pytest closing on no test executed, whatever the checks found: `fuzz:api` prints it as
 * its own line instead, the same words without the banner's shape.
 */
export function restateClosingBanner(line: string): string {
  const banner = /^=+ (.+) in ([\d.]+)s =+$/.exec(line);
  return banner ? `[fuzz:api] Schemathesis: ${banner[1]} (${banner[2]} s)` : line;
}
