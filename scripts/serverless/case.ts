// The cases a kebab-case name (a service, a consumer, a table: `order-events`) takes in the
// framework's and CloudFormation's names: `OrderEvents` in logical ids, `orderEvents` in function
// names. One definition for the plugins and the generators, which must agree on them.

/** `order-events` → `OrderEvents` */
export const pascalCase = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** `order-events` → `orderEvents` */
export const camelCase = (name: string) => pascalCase(name).replace(/^./, (c) => c.toLowerCase());
