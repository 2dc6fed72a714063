/**
 * A route's path template (`/orders/{id}`, as serverless.yml and openapi.yaml write it) as a
 * pattern for request paths: each parameter one segment, literal text as it is, a trailing `/` let
 * through.
 */
export const pathPattern = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}/?$`,
  );
