import type { Tags } from 'yaml';

// serverless.yml uses CloudFormation's short intrinsic tags (!Ref, !GetAtt, !Sub …); the `yaml`
// package reads it with these (the tagged value is kept as it is).
const INTRINSICS = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Split',
  'ImportValue',
  'GetAZs',
  'FindInMap',
  'Base64',
  'Condition',
  'Cidr',
];

const keep = <T>(value: T) => value;
export const cloudFormationTags: Tags = INTRINSICS.flatMap((name) => [
  { tag: `!${name}`, resolve: keep },
  { tag: `!${name}`, collection: 'seq' as const, resolve: keep },
  { tag: `!${name}`, collection: 'map' as const, resolve: keep },
]);
