/**
 * Schemathesis closes its run with pytest's banners (`==== 2 warnings in 12.82s ====`, `==== No
 * issues found in 9.1s ====`, `==== Interrupted after 3.20s ====`, `==== Empty test suite ====`).
 * CI systems that read a run's test count from its closing lines take such a line for pytest
 * closing on no test executed, whatever the checks found: `fuzz:api` prints it as its own line
 * instead, the same words without the banner's shape. Section headers (`SUMMARY`, `WARNINGS`: no
 * lower case) stay as they are.
 */
export function restateClosingBanner(line: string): string {
  const banner = /^=+ (.+?) =+$/.exec(line);
  if (!banner?.[1] || !/[a-z]/.test(banner[1])) return line;
  const words = banner[1].replace(/ in ([\d.]+)s$/, ' ($1 s)').replace(/\b([\d.]+)s\b/g, '$1 s');
  return `[fuzz:api] Schemathesis: ${words}`;
}
