// A Serverless Framework plugin (serverless.yml → plugins) that settles the IaC checkers'
// findings (`npm run lint:iac`) once the template is complete, generated resources included:
// - it drops `DependsOn` entries a resource already references through Ref/Fn::GetAtt/Fn::Sub
//   (a function's role, a route's integration, the API stage's log group): CloudFormation orders
//   by those references anyway, so nothing deployed changes, and cfn-lint stops warning (W3005);
// - it writes the checkov skips listed in `custom.checkovSkips` (by resource type, each with its
//   reason) into every such resource's Metadata, so the reasons travel inside the template.

interface Resource {
  Type: string;
  DependsOn?: string | string[];
  Properties?: unknown;
  Metadata?: { checkov?: { skip?: CheckovSkip[] } } & Record<string, unknown>;
}
type Template = { Resources: Record<string, Resource> };
export interface CheckovSkip {
  id: string;
  comment: string;
}

interface Serverless {
  service: {
    provider: { compiledCloudFormationTemplate: Template };
    custom?: { checkovSkips?: Record<string, CheckovSkip[]> };
  };
}

/** Logical ids a value references through Ref, Fn::GetAtt or ${Id} inside Fn::Sub. */
export function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, found);
    return found;
  }
  if (!value || typeof value !== 'object') return found;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string') found.add(inner);
    else if (key === 'Fn::GetAtt') {
      const target = Array.isArray(inner) ? inner[0] : String(inner).split('.')[0];
      if (typeof target === 'string') found.add(target);
    } else {
      if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) found.add(m[1] ?? '');
      }
      referencedIds(inner, found);
    }
  }
  return found;
}

/** Remove each DependsOn entry that the resource's properties already reference. */
export function dropRedundantDependsOn(template: Template): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const referenced = referencedIds(resource.Properties);
    const kept = [resource.DependsOn].flat().filter((id) => !referenced.has(id));
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
}

/** Add the skips listed for a resource type to every resource of that type (no duplicates). */
export function applyCheckovSkips(template: Template, skips: Record<string, CheckovSkip[]>): void {
  for (const resource of Object.values(template.Resources)) {
    const forType = skips[resource.Type];
    if (!forType?.length) continue;
    const present = resource.Metadata?.checkov?.skip ?? [];
    const ids = new Set(present.map((s) => s.id));
    resource.Metadata = {
      ...resource.Metadata,
      checkov: { skip: [...present, ...forType.filter((s) => !ids.has(s.id))] },
    };
  }
}

export default class IacFindings {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    this.hooks = {
      'before:aws:package:finalize:saveServiceState': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        dropRedundantDependsOn(template);
        applyCheckovSkips(template, serverless.service.custom?.checkovSkips ?? {});
      },
    };
  }
}
